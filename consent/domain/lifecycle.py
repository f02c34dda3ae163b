"""The consent lifecycle (DESIGN.md §5, law art. 8(2)) as a table of allowed transitions.

    PENDING → ACTIVE | REJECTED | EXPIRED (the case closed before an answer)
    ACTIVE → EXPIRED | REVOCATION_REQUESTED
    REVOCATION_REQUESTED → REVOKED | REVOCATION_DENIED | EXPIRED
    REVOCATION_DENIED → REVOCATION_REQUESTED (ask again later) | EXPIRED

REJECTED, EXPIRED and REVOKED are terminal. A consent is *in force* (uses allowed) when ACTIVE or
REVOCATION_DENIED: a denial means it still serves an unfulfilled obligation. While a withdrawal
request awaits the controller's answer, uses are paused.
"""

from __future__ import annotations

from consent.schemas import ConsentStatus

__all__ = ["IN_FORCE", "TERMINAL", "InvalidTransition", "allowed_targets", "check_transition"]

S = ConsentStatus
_ALLOWED: dict[ConsentStatus, frozenset[ConsentStatus]] = {
    S.PENDING: frozenset({S.ACTIVE, S.REJECTED, S.EXPIRED}),
    S.ACTIVE: frozenset({S.EXPIRED, S.REVOCATION_REQUESTED}),
    S.REVOCATION_REQUESTED: frozenset({S.REVOKED, S.REVOCATION_DENIED, S.EXPIRED}),
    S.REVOCATION_DENIED: frozenset({S.REVOCATION_REQUESTED, S.EXPIRED}),
}
TERMINAL = frozenset({S.REJECTED, S.EXPIRED, S.REVOKED})
IN_FORCE = frozenset({S.ACTIVE, S.REVOCATION_DENIED})


class InvalidTransition(ValueError):
    def __init__(self, current: ConsentStatus, target: ConsentStatus) -> None:
        super().__init__(f"a {current} consent cannot become {target}")
        self.current = current
        self.target = target


def allowed_targets(current: ConsentStatus) -> frozenset[ConsentStatus]:
    return _ALLOWED.get(current, frozenset())


def check_transition(current: ConsentStatus, target: ConsentStatus) -> None:
    if target not in allowed_targets(current):
        raise InvalidTransition(current, target)
