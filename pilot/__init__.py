"""Composition root: the `rto` CLI, the process launcher, the end-to-end demo and the stand-ins
for outside parties (credit bureau, SMS / e-gov cabinet, payment gateway)."""
