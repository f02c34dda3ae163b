"""`rto demo`: the whole pilot driven through the services' HTTP APIs, as its users would."""
