"""HTTP routes of the chain service (thin: parse, call the service layer, shape the answer)."""
