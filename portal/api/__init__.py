"""HTTP routes of the portal service (thin: parse, call the service layer, shape the answer)."""
