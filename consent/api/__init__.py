"""HTTP routes of the consent service (thin: parse, call the service layer, shape the answer)."""
