"""The case's state machine: where each state may go, and which state the facts put it in."""

from __future__ import annotations

__all__ = ["DECIDABLE", "PAYABLE", "TERMINAL", "TRANSITIONS", "can_move", "progress_state"]

TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"awaiting_signatures", "awaiting_payment", "refused"}),
    "awaiting_signatures": frozenset({"awaiting_payment", "checking", "refused"}),
    "awaiting_payment": frozenset({"awaiting_video", "checking", "refused"}),
    "awaiting_video": frozenset({"checking", "refused"}),
    "checking": frozenset({"registered", "suspended", "refused", "checking"}),
    "suspended": frozenset({"checking", "refused"}),
    "registered": frozenset(),
    "refused": frozenset(),
}
TERMINAL = frozenset({"registered", "refused"})
# The registrar may decide once checks have run.
DECIDABLE = frozenset({"checking"})
# The fee can be paid once signed, and still after the registrar checked or suspended the case early.
PAYABLE = frozenset({"awaiting_payment", "checking", "suspended"})


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def progress_state(all_signed: bool, paid: bool, video_done: bool) -> str:
    """Where the applicant's steps put a case: signatures, then payment, then the video, then checks."""
    if not all_signed:
        return "awaiting_signatures"
    if not paid:
        return "awaiting_payment"
    if not video_done:
        return "awaiting_video"
    return "checking"
