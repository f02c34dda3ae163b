"""Housing portal of the housing company: lists, applications, guarantors, review, schedules and leases."""
