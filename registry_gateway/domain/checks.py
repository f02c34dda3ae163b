"""The registrar's checks (§23-24, §32-33) as pure functions of facts gathered from the state
systems, the signatures and the video session. Each answers pass/fail with a sentence for the
registrar and the evidence it relied on, so a decision can be reviewed later."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "CheckOutcome",
    "PartyFacts",
    "SignatureFacts",
    "VideoFacts",
    "check_encumbrances",
    "check_fee",
    "check_property",
    "check_signatures",
    "check_spouses",
    "check_terrorism_list",
    "check_video",
    "required_video_participants",
]

PASSED = "TOTAL_PASSED"


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    code: str
    passed: bool
    detail: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SignatureFacts:
    """One signer of one signed item, as the EDS validation reported it."""

    item: str  # "application" or a document name
    indication: str
    sub_indication: str | None
    iin: str | None
    bin: str | None
    party_ok: bool  # the certificate's role and policy fit the party it signs for
    party_problem: str | None = None


@dataclass(frozen=True, slots=True)
class PartyFacts:
    identifier: str  # IIN or BIN
    role: str
    is_entity: bool
    representative_iin: str | None = None
    married: bool = False
    spouse_iin: str | None = None
    marriage_act: str | None = None


@dataclass(frozen=True, slots=True)
class VideoFacts:
    """The video session's outcome per participant IIN: present, and the registrar's verdict."""

    room_id: str | None
    present: frozenset[str]
    verdicts: Mapping[str, str]  # iin -> "confirmed" | "rejected"
    reasons: Mapping[str, str] = field(default_factory=dict)
    outcome_sha256: str | None = None


def check_fee(
    due: Decimal, paid: Decimal | None, receipt_id: str | None, receipt_valid: bool
) -> CheckOutcome:
    evidence = {"due": str(due), "paid": str(paid) if paid is not None else None, "receipt_id": receipt_id}
    if paid is None or receipt_id is None:
        return CheckOutcome("fee_paid", False, "the registration fee has not been paid", evidence)
    if not receipt_valid:
        return CheckOutcome("fee_paid", False, "the payment receipt's signature does not verify", evidence)
    if paid < due:
        return CheckOutcome("fee_paid", False, f"paid {paid} KZT of the {due} KZT due", evidence)
    return CheckOutcome("fee_paid", True, f"{paid} KZT paid, receipt {receipt_id}", evidence)


def check_signatures(parties: Sequence[PartyFacts], signatures: Sequence[SignatureFacts]) -> CheckOutcome:
    """Every party signed the application with a valid EDS whose IIN/BIN is the party's own,
    and every signature on the attached documents is valid."""
    problems: list[str] = []
    for party in parties:
        own = [
            s
            for s in signatures
            if s.item == "application" and (s.bin if party.is_entity else s.iin) == party.identifier
        ]
        if not own:
            problems.append(f"{party.role} {party.identifier} has not signed the application")
        elif not any(s.indication == PASSED and s.party_ok for s in own):
            first = own[0]
            why = first.party_problem or first.sub_indication or first.indication
            problems.append(f"{party.role} {party.identifier}: signature not valid ({why})")
    for s in signatures:
        if s.indication != PASSED:
            problems.append(f"{s.item}: signature of {s.iin or s.bin} is {s.sub_indication or s.indication}")
    evidence = {
        "signatures": [
            {"item": s.item, "iin": s.iin, "bin": s.bin, "indication": s.indication, "sub": s.sub_indication}
            for s in signatures
        ]
    }
    if problems:
        return CheckOutcome("signatures_valid", False, "; ".join(dict.fromkeys(problems)), evidence)
    return CheckOutcome("signatures_valid", True, f"{len(signatures)} signatures valid", evidence)


def required_video_participants(parties: Sequence[PartyFacts]) -> list[str]:
    """§21: the applicant(s), the housing company's representative and the spouse of a married party."""
    needed: list[str] = []
    for party in parties:
        if party.is_entity:
            if party.representative_iin:
                needed.append(party.representative_iin)
        elif party.role != "spouse":
            needed.append(party.identifier)
            if party.married and party.spouse_iin:
                needed.append(party.spouse_iin)
        else:
            needed.append(party.identifier)
    return list(dict.fromkeys(needed))


def check_spouses(parties: Sequence[PartyFacts], video: VideoFacts) -> CheckOutcome:
    married = [p for p in parties if not p.is_entity and p.married and p.role != "spouse"]
    evidence = {
        "married_parties": [
            {"iin": p.identifier, "spouse_iin": p.spouse_iin, "marriage_act": p.marriage_act} for p in married
        ],
        "present": sorted(video.present),
    }
    absent = [p for p in married if p.spouse_iin not in video.present]
    if absent:
        names = ", ".join(f"{p.identifier} (act {p.marriage_act})" for p in absent)
        return CheckOutcome(
            "spouse_present", False, f"married, spouse absent from the video: {names}", evidence
        )
    if not married:
        return CheckOutcome("spouse_present", True, "no participant is married (civil registry)", evidence)
    return CheckOutcome("spouse_present", True, "every married participant's spouse took part", evidence)


def check_encumbrances(
    kind: str, live: Sequence[Mapping[str, Any]], terminating: str | None = None
) -> CheckOutcome:
    """A lease needs a free property; a termination needs the live lease; a transfer of ownership
    needs no live encumbrance besides the lease its paired termination releases."""
    evidence = {"live_encumbrances": [dict(e) for e in live]}
    if kind == "encumbrance.termination":
        if any(e["kind"] == "lease" for e in live):
            return CheckOutcome("no_preventing_encumbrance", True, "the lease to terminate is live", evidence)
        return CheckOutcome(
            "no_preventing_encumbrance", False, "there is no live lease to terminate", evidence
        )
    blocking = [e for e in live if not (kind == "ownership.transfer" and e["id"] == terminating)]
    if blocking:
        what = ", ".join(f"{e['kind']} {e['id']} since {e['registered_at']}" for e in blocking)
        return CheckOutcome("no_preventing_encumbrance", False, f"live encumbrance: {what}", evidence)
    return CheckOutcome("no_preventing_encumbrance", True, "no encumbrance prevents registration", evidence)


def check_terrorism_list(hits: Mapping[str, bool]) -> CheckOutcome:
    listed = sorted(k for k, hit in hits.items() if hit)
    evidence = {"checked": sorted(hits), "listed": listed}
    if listed:
        return CheckOutcome(
            "terrorism_list_clear", False, f"on the terrorism financing list: {', '.join(listed)}", evidence
        )
    return CheckOutcome("terrorism_list_clear", True, f"{len(hits)} participants not listed", evidence)


def check_video(required: Sequence[str], video: VideoFacts) -> CheckOutcome:
    evidence = {
        "room_id": video.room_id,
        "required": list(required),
        "verdicts": dict(video.verdicts),
        "reasons": dict(video.reasons),
        "outcome_sha256": video.outcome_sha256,
    }
    if video.room_id is None:
        return CheckOutcome("video_positive", False, "no video session was held", evidence)
    problems = []
    for iin in required:
        verdict = video.verdicts.get(iin)
        if verdict != "confirmed":
            reason = video.reasons.get(iin, "did not take part" if verdict is None else verdict)
            problems.append(f"{iin}: {reason}")
    if problems:
        return CheckOutcome(
            "video_positive", False, "video check not positive: " + "; ".join(problems), evidence
        )
    return CheckOutcome("video_positive", True, f"{len(required)} participants confirmed on video", evidence)


def check_property(
    kind: str, exists: bool, owner: str | None, housing_company_bin: str | None
) -> CheckOutcome:
    """The object exists in the cadastre and belongs to whom the deal says it does."""
    evidence = {"exists": exists, "owner": owner}
    if not exists:
        return CheckOutcome("property_exists", False, "the object is not in the cadastre", evidence)
    if kind in {"encumbrance.lease", "ownership.transfer"} and owner != housing_company_bin:
        return CheckOutcome(
            "property_exists",
            False,
            f"the owner is {owner}, not the housing company {housing_company_bin}",
            evidence,
        )
    return CheckOutcome("property_exists", True, f"the object exists; owner {owner}", evidence)
