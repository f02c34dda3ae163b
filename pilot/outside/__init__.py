"""Stand-ins for the parties outside the pilot: the credit bureau's webhook receiver, the SMS
centre and the e-gov cabinet inbox, and the payment gateway. Self-contained on purpose: they
share no code with the services, as a real outside party would not."""
