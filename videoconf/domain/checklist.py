"""The registrar's checklist and the rules for finishing a room (pure: no I/O).

A participant is verified only by a passed checklist for their *current* connection: a drop
and rejoin invalidates it (remote-notarisation rules: restart identity verification after the
individual leaves the session).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "REASON_CODES",
    "Findings",
    "ParticipantState",
    "approval_blockers",
    "evaluate",
    "rejection_problems",
]

REASON_CODES = frozenset(
    {
        "identity_mismatch",
        "capacity_doubt",
        "coercion_suspected",
        "third_party_present",
        "spouse_absent",
        "no_recording_consent",
        "technical",
        "other",
    }
)


@dataclass(frozen=True, slots=True)
class Findings:
    identity_confirmed: bool
    legal_capacity_confirmed: bool
    free_will_confirmed: bool
    document_number_seen: str | None = None
    spouse_present: bool | None = None


def _normalise(number: str) -> str:
    return "".join(ch for ch in number.upper() if ch.isalnum())


def evaluate(role: str, expected: Mapping[str, Any], findings: Findings) -> list[str]:
    """Problems found for one participant (empty: the checklist passed).

    `expected` is the persons register's data the gateway put in the room's participant spec.
    """
    problems: list[str] = []
    if not findings.identity_confirmed:
        problems.append("identity_not_confirmed")
    register_number = expected.get("document_number")
    seen = findings.document_number_seen
    if register_number and seen is not None and _normalise(seen) != _normalise(str(register_number)):
        problems.append("document_number_mismatch")
    if expected.get("legally_capable") is False:
        problems.append("register_shows_incapacity")
    if not findings.legal_capacity_confirmed:
        problems.append("legal_capacity_not_confirmed")
    if not findings.free_will_confirmed:
        problems.append("free_will_not_confirmed")
    if role == "applicant" and expected.get("married") and findings.spouse_present is not True:
        problems.append("spouse_absent")
    return problems


@dataclass(frozen=True, slots=True)
class ParticipantState:
    role: str
    connection: int
    consented: bool
    married: bool | None
    verified_connection: int | None  # the connection a passed checklist covers, if any

    @property
    def verified(self) -> bool:
        return self.verified_connection is not None and self.verified_connection == self.connection


def approval_blockers(participants: Sequence[ParticipantState], recorded: bool) -> list[str]:
    """Why the room cannot be approved yet (empty: it can)."""
    blockers: list[str] = []
    parties = [p for p in participants if p.role != "registrar"]
    if any(not p.consented for p in participants):
        blockers.append("recording_consent_missing")
    if not recorded:
        blockers.append("no_recording")
    if any(p.connection == 0 for p in parties):
        blockers.append("participant_never_joined")
    if any(not p.verified for p in parties):
        blockers.append("participant_not_verified")
    if any(p.role == "applicant" and p.married for p in parties) and not any(
        p.role == "spouse" and p.verified for p in parties
    ):
        blockers.append("spouse_absent")
    return blockers


def rejection_problems(reasons: Sequence[str]) -> list[str]:
    """A rejection needs at least one known reason code."""
    if not reasons:
        return ["reasons_required"]
    unknown = sorted(set(reasons) - REASON_CODES)
    return [f"unknown_reason:{code}" for code in unknown]
