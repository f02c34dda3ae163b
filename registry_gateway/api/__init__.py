"""HTTP routes of the registry_gateway service (thin: parse, call the service layer, shape the answer)."""
