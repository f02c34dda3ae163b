"""The life of an application, as a table of allowed transitions.

draft → submitted (the applicant signed; the 15-day review clock starts)
submitted → preliminary_refusal (the applicant is heard: 2 working days) | approved
preliminary_refusal → submitted (the officer accepts the objection) | refused (head-signed)
approved → lease_signed (all three parties signed) → registration → registered → bought_out
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["InvalidTransition", "Status", "advance"]


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PRELIMINARY_REFUSAL = "preliminary_refusal"
    REFUSED = "refused"
    APPROVED = "approved"
    LEASE_SIGNED = "lease_signed"
    REGISTRATION = "registration"
    REGISTERED = "registered"
    BOUGHT_OUT = "bought_out"


_ALLOWED: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED}),
    Status.SUBMITTED: frozenset({Status.PRELIMINARY_REFUSAL, Status.APPROVED}),
    Status.PRELIMINARY_REFUSAL: frozenset({Status.SUBMITTED, Status.REFUSED}),
    Status.APPROVED: frozenset({Status.LEASE_SIGNED}),
    Status.LEASE_SIGNED: frozenset({Status.REGISTRATION}),
    Status.REGISTRATION: frozenset({Status.REGISTERED, Status.LEASE_SIGNED}),
    Status.REGISTERED: frozenset({Status.BOUGHT_OUT}),
    Status.REFUSED: frozenset(),
    Status.BOUGHT_OUT: frozenset(),
}


class InvalidTransition(Exception):
    def __init__(self, current: Status, target: Status) -> None:
        super().__init__(f"an application in status {current} cannot become {target}")
        self.current = current
        self.target = target


def advance(current: Status, target: Status) -> Status:
    if target not in _ALLOWED[current]:
        raise InvalidTransition(current, target)
    return target
