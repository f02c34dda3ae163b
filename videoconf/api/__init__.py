"""HTTP routes of the videoconf service (thin: parse, call the service layer, shape the answer)."""
