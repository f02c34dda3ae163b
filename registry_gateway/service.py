"""Use cases of the registry_gateway service, one transaction each: the applicant's side of a
registration case (submit, sign, pay, schedule the video) and the state-system lookups.
The registrar's side is in `registrar.py`."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from chain.client import sha256_hex
from common.canonical import canonical_bytes
from common.db import session_scope
from common.entries import rfc3339
from common.http_client import ServiceError
from common.ids import InvalidIdentifier, parse_bin, parse_iin
from common.problems import Problem
from common.settings import service_url
from registry_gateway import repository as repo
from registry_gateway.config import get_service_key, get_settings
from registry_gateway.db import get_engine
from registry_gateway.domain.deadline import registration_deadline
from registry_gateway.domain.states import PAYABLE, TERMINAL, progress_state
from registry_gateway.models import Case, CaseDocument, CaseParty, CaseTransition, Property
from registry_gateway.outside import OutsideClient, receipt_signature_valid
from registry_gateway.relay import enqueue
from registry_gateway.schemas import (
    CaseStatus,
    CaseView,
    PaymentReceipt,
    PersonRecord,
    PropertyRecord,
    ScenarioPerson,
    ScenarioProperty,
    SubmitCase,
)
from registry_gateway.signatures import signer_entries, validate
from registry_gateway.stand_in import StandInStateSystems
from registry_gateway.views import case_status, case_view
from videoconf.client import VideoconfClient
from videoconf.schemas import ParticipantRole, ParticipantSpec

__all__ = [
    "application_bytes",
    "case",
    "case_for_registrar",
    "case_state",
    "cases",
    "chain_message",
    "create_scenario_person",
    "create_scenario_property",
    "decode_b64",
    "pay_fee",
    "schedule_video",
    "sign_application",
    "signature_reports",
    "status_payload",
    "submit_case",
    "video_invitation",
]


def _now() -> datetime:
    return datetime.now(UTC)


def decode_b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Problem(422, "case.bad_base64", f"{what} is not valid base64") from None


def chain_message(
    session: Session,
    case: Case,
    kind: str,
    *,
    doc_sha256: str,
    media_type: str,
    evidence: list[dict[str, str]],
    ref: dict[str, str] | None = None,
    encumbrance_case: str | None = None,
) -> None:
    """Queue a chain entry; its time is fixed now so a retried append is the same body."""
    payload = {
        "case_id": case.id,
        "kind": kind,
        "ref": {"case_id": case.id, "cadastral_number": case.cadastral_number, **(ref or {})},
        "doc_sha256": doc_sha256,
        "media_type": media_type,
        "evidence": evidence,
        "submitted_at": rfc3339(_now()),
        "encumbrance_case": encumbrance_case,
    }
    enqueue(session, "chain", payload)


def _party_id(spec_iin: str | None, spec_bin: str | None) -> str:
    try:
        return parse_bin(spec_bin).value if spec_bin else parse_iin(spec_iin or "").value
    except InvalidIdentifier as exc:
        raise Problem(422, f"case.{exc.code}", str(exc)) from None


def submit_case(request: SubmitCase, actor: str) -> CaseView:
    """Accept an application (§19, §22, §29): the property must exist, identifiers be valid and
    every document match its hash; the same portal reference and kind returns the same case."""
    settings = get_settings()
    with session_scope(get_engine(), immediate=True) as session:
        existing = repo.case_by_portal_ref(session, request.kind, request.portal_ref)
        if existing is not None:
            return case_view(session, existing)
        prop = session.get(Property, request.cadastral_number)
        if prop is None:
            raise Problem(
                422, "case.property_unknown", f"no object {request.cadastral_number} in the cadastre"
            )
        if request.kind == "ownership.transfer" and not request.related_case:
            raise Problem(422, "case.related_required", "a transfer of ownership names its termination case")
        if request.related_case:
            related = repo.get_case(session, request.related_case)
            if related.cadastral_number != request.cadastral_number:
                raise Problem(422, "case.related_mismatch", "the related case concerns another property")
        ids = [_party_id(p.iin, p.bin) for p in request.parties]
        if len(set(ids)) != len(ids):
            raise Problem(422, "case.duplicate_party", "a party is listed twice")
        if not any(p.role == "applicant" for p in request.parties):
            raise Problem(422, "case.no_applicant", "a case needs an applicant")
        now = _now()
        application = {
            "type": "registration.application",
            "kind": str(request.kind),
            "cadastral_number": prop.cadastral_number,
            "address_code": prop.address_code,
            "parties": [p.model_dump(mode="json", exclude_none=True) for p in request.parties],
            "documents": [
                {"name": d.name, "sha256": d.sha256, "media_type": d.media_type} for d in request.documents
            ],
            "portal_ref": request.portal_ref,
            "related_case": request.related_case,
            "registration_body": "НАО «Государственная корпорация «Правительство для граждан»",
            "submitted_at": rfc3339(now),
        }
        application_bytes = canonical_bytes(application)
        case = Case(
            kind=str(request.kind),
            state="submitted",
            cadastral_number=prop.cadastral_number,
            portal_ref=request.portal_ref,
            related_case=request.related_case,
            consent_id=request.consent_id,
            application=application_bytes,
            application_sha256=sha256_hex(application_bytes),
            fee_due=settings.fee_due,
            created_at=now,
            updated_at=now,
        )
        session.add(case)
        party_keys = [(p.iin, p.bin) for p in request.parties]
        for spec in request.parties:
            session.add(
                CaseParty(
                    case_id=case.id,
                    iin=spec.iin,
                    bin=spec.bin,
                    role=spec.role,
                    representative_iin=spec.representative_iin,
                )
            )
        evidence = []
        for doc in request.documents:
            content = decode_b64(doc.content_b64, f"document {doc.name}")
            if sha256_hex(content) != doc.sha256:
                raise Problem(
                    422, "case.document_hash_mismatch", f"document {doc.name} does not match its sha256"
                )
            cms = decode_b64(doc.cms_b64, f"CMS of {doc.name}") if doc.cms_b64 else None
            report = signer_entries(validate(cms, content), doc.name, party_keys) if cms else []
            session.add(
                CaseDocument(
                    case_id=case.id,
                    name=doc.name,
                    sha256=doc.sha256,
                    media_type=doc.media_type,
                    content=content,
                    cms=cms,
                    signature_report=report,
                )
            )
            if cms:
                evidence.append({"type": "cms", "sha256": sha256_hex(cms)})
        session.add(
            CaseTransition(
                case_id=case.id,
                from_state=None,
                to_state="submitted",
                actor=actor,
                reason="application received",
            )
        )
        repo.record_transition(
            session, case, "awaiting_signatures", "system", "every party signs the application"
        )
        first = request.documents[0]
        chain_message(
            session,
            case,
            "registration.submitted",
            doc_sha256=case.application_sha256,
            media_type="application/json",
            evidence=[*evidence, {"type": "document", "sha256": first.sha256}][:16],
            ref={"portal_ref": request.portal_ref, "case_kind": str(request.kind)},
        )
        session.flush()
        return case_view(session, case)


def sign_application(case_id: str, party: str, cms_der: bytes) -> CaseView:
    """A party's detached CMS over the application (§20): valid, and by that very party."""
    with session_scope(get_engine(), immediate=True) as session:
        case = repo.get_case(session, case_id)
        if case.state in TERMINAL:
            raise Problem(409, "case.closed", f"the case is {case.state}")
        parties = repo.parties_of(session, case.id)
        target = next((p for p in parties if party in (p.iin, p.bin)), None)
        if target is None:
            raise Problem(422, "case.not_a_party", f"{party} is not a party of this case")
        entries = signer_entries(
            validate(cms_der, case.application), "application", [(target.iin, target.bin)]
        )
        good = [e for e in entries if e["indication"] == "TOTAL_PASSED" and e["party_ok"]]
        if not good:
            first = entries[0]
            why = first["party_problem"] or first["sub_indication"] or first["indication"]
            raise Problem(
                422,
                "case.signature_invalid",
                f"the signature is not {party}'s valid EDS: {why}",
                signers=[
                    {k: e[k] for k in ("iin", "bin", "indication", "sub_indication", "party_problem")}
                    for e in entries
                ],
            )
        target.application_cms = cms_der
        target.signed_at = _now()
        target.signature_report = good
        session.add(target)
        _advance(session, case, parties, "system", f"{target.role} signed the application")
        return case_view(session, case)


def _advance(session: Session, case: Case, parties: list[CaseParty], actor: str, reason: str) -> None:
    """Move an applicant-side state forward when the facts say so (the video outcome moves it
    on to checking when the registrar runs the checks)."""
    if case.state not in {"awaiting_signatures", "awaiting_payment"}:
        return
    target = progress_state(all(p.signed_at for p in parties), case.payment_confirmed_at is not None, False)
    if target != case.state:
        repo.record_transition(session, case, target, actor, reason)
        _notify_portal(session, case, f"state.{target}")


def _notify_portal(session: Session, case: Case, event: str) -> None:
    if get_settings().portal_callbacks:
        enqueue(session, "portal", status_payload(case, event))


def status_payload(case: Case, event: str) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "portal_ref": case.portal_ref,
        "kind": case.kind,
        "state": case.state,
        "event": event,
        "deadline": case.deadline.isoformat() if case.deadline else None,
        "decision": case.decision,
        "at": _now().isoformat(),
    }


def pay_fee(case_id: str, amount: Decimal, payer: str | None) -> PaymentReceipt:
    """Pay through the payment gateway and confirm with its signed receipt; the one-working-day
    registration term (§38) starts at the confirmation."""
    with session_scope(get_engine()) as session:
        case = repo.get_case(session, case_id)
        if case.receipt:
            return PaymentReceipt.model_validate(case.receipt)
        if case.state not in PAYABLE:
            raise Problem(409, "case.not_awaiting_payment", f"the case is {case.state}")
        if amount != case.fee_due:
            raise Problem(422, "case.fee_amount", f"the fee is {case.fee_due} KZT, not {amount}")
        applicant = next(p.iin for p in repo.parties_of(session, case.id) if p.role == "applicant")
    settings = get_settings()
    try:
        with OutsideClient(service_url("outside")) as outside:
            raw = outside.pay(case_id, amount, payer or applicant)
            key = settings.payment_public_key or outside.payment_key()
    except ServiceError as exc:
        raise Problem(502, "payment.gateway_failed", f"the payment gateway answered {exc.code}") from None
    if not receipt_signature_valid(raw, key) or raw.get("reference") != case_id:
        raise Problem(502, "payment.receipt_invalid", "the payment gateway's receipt does not verify")
    receipt = PaymentReceipt.model_validate(raw)
    with session_scope(get_engine(), immediate=True) as session:
        case = repo.get_case(session, case_id)
        if case.receipt is None:
            case.receipt = raw
            case.fee_paid = receipt.amount
            case.payment_confirmed_at = _now()
            case.deadline = registration_deadline(case.payment_confirmed_at)
            session.add(case)
            parties = repo.parties_of(session, case.id)
            _advance(session, case, parties, "payment_gateway", f"fee paid, receipt {receipt.receipt_id}")
        return receipt


def _video_participants(session: Session, case: Case) -> list[ParticipantSpec]:
    registries = StandInStateSystems(session)
    specs: list[ParticipantSpec] = []
    for party in repo.parties_of(session, case.id):
        iin = party.representative_iin if party.bin else party.iin
        if not iin:
            continue
        person = registries.person(iin)
        name = person.name_ru.full if person else iin
        role = {"applicant": ParticipantRole.APPLICANT, "spouse": ParticipantRole.SPOUSE}.get(
            party.role, ParticipantRole.HOUSING_COMPANY if party.bin else ParticipantRole.APPLICANT
        )
        specs.append(
            ParticipantSpec(
                iin=iin,
                role=role,
                name=name,
                birth_date=person.birth_date if person else None,
                legally_capable=(person.legal_capacity == "full") if person else None,
                married=(person.marital_status == "married") if person and not party.bin else None,
                bin=party.bin,
            )
        )
        spouse_iin = person.spouse_iin if person and not party.bin and party.role == "applicant" else None
        if spouse_iin and all(s.iin != spouse_iin for s in specs):
            spouse = registries.person(spouse_iin)
            specs.append(
                ParticipantSpec(
                    iin=spouse_iin,
                    role=ParticipantRole.SPOUSE,
                    name=spouse.name_ru.full if spouse else spouse_iin,
                    birth_date=spouse.birth_date if spouse else None,
                )
            )
    # The registrar on duty conducts the check (§21); videoconf needs exactly one in the room.
    registrar_iin = get_settings().registrar_iins[0]
    registrar = registries.person(registrar_iin)
    specs.append(
        ParticipantSpec(
            iin=registrar_iin,
            role=ParticipantRole.REGISTRAR,
            name=registrar.name_ru.full if registrar else registrar_iin,
        )
    )
    return specs


def schedule_video(case_id: str, starts_at: datetime) -> CaseView:
    """Book the registrar's video session (§21, §30) with every participant who must attend."""
    with Session(get_engine()) as session:
        case = repo.get_case(session, case_id)
        if case.state in TERMINAL:
            raise Problem(409, "case.closed", f"the case is {case.state}")
        participants = _video_participants(session, case)
    try:
        with VideoconfClient(service_url("videoconf"), caller_key=get_service_key()) as video:
            room = video.schedule_room(case_id, starts_at, participants)
    except ServiceError as exc:
        raise Problem(502, "video.schedule_failed", f"the video service answered {exc.code}") from None
    with session_scope(get_engine(), immediate=True) as session:
        case = repo.get_case(session, case_id)
        case.video_room_id = room.id
        case.video_starts_at = starts_at
        session.add(case)
        session.add(
            CaseTransition(
                case_id=case.id,
                from_state=case.state,
                to_state=case.state,
                actor="system",
                reason=f"video session {room.id} booked for {starts_at.isoformat()}",
            )
        )
        return case_view(session, case)


def video_invitation(case_id: str, iin: str) -> dict[str, Any]:
    with Session(get_engine()) as session:
        case = repo.get_case(session, case_id)
        if not case.video_room_id:
            raise Problem(409, "case.no_video", "no video session is booked")
        room_id = case.video_room_id
    try:
        with VideoconfClient(service_url("videoconf"), caller_key=get_service_key()) as video:
            return video.invitation(room_id, iin).model_dump(mode="json")
    except ServiceError as exc:
        raise Problem(exc.status if 400 <= exc.status < 500 else 502, exc.code, str(exc)) from None


def application_bytes(case_id: str) -> bytes:
    with Session(get_engine()) as session:
        return repo.get_case(session, case_id).application


def cases(state: str | None = None) -> list[Case]:
    """The queue, earliest deadline first; `state` narrows it to one state."""
    with Session(get_engine()) as session:
        return repo.list_cases(session, state)


def case(case_id: str) -> CaseView:
    with Session(get_engine()) as session:
        return case_view(session, repo.get_case(session, case_id))


def case_state(case_id: str) -> CaseStatus:
    with Session(get_engine()) as session:
        return case_status(repo.get_case(session, case_id))


def case_for_registrar(case_id: str) -> tuple[CaseView, int]:
    """The case and the number of its latest check run, read together."""
    with Session(get_engine()) as session:
        found = repo.get_case(session, case_id)
        return case_view(session, found), repo.latest_run(session, found.id)


def create_scenario_person(spec: ScenarioPerson) -> PersonRecord:
    """A synthetic person in the stand-in registers (tests and demos)."""
    with session_scope(get_engine(), immediate=True) as session:
        return StandInStateSystems(session).create_person(spec)


def create_scenario_property(spec: ScenarioProperty) -> PropertyRecord:
    with session_scope(get_engine(), immediate=True) as session:
        return StandInStateSystems(session).create_property(spec)


# ---------------------------------------------------------------- read model of the registrar's page


def _when(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def _signer_row(entry: dict[str, Any]) -> dict[str, Any]:
    revocation = (entry.get("report") or {}).get("revocation") or {}
    return {
        "name": entry.get("name"),
        "iin": entry.get("iin"),
        "bin": entry.get("bin"),
        "roles": entry.get("roles") or [],
        "indication": entry["indication"],
        "sub_indication": entry.get("sub_indication"),
        "signed_at": _when(entry.get("signed_at")),
        "party_ok": bool(entry.get("party_ok")),
        "party_problem": entry.get("party_problem"),
        "revocation_status": revocation.get("status"),
        "revocation_source": revocation.get("source"),
        "revoked_at": _when(revocation.get("revoked_at")),
    }


def signature_reports(case_id: str) -> list[dict[str, Any]]:
    """Every stored signer report of a case as validated when the signature arrived — the
    application (every party's signature together) and each document — one row per signer."""
    with Session(get_engine()) as session:
        case = repo.get_case(session, case_id)
        application = [e for p in repo.parties_of(session, case.id) for e in p.signature_report]
        items = [("application", case.application_sha256, application)]
        items += [(d.name, d.sha256, d.signature_report) for d in repo.documents_of(session, case.id)]
    return [
        {"item": item, "sha256": sha256, "signers": [_signer_row(e) for e in entries]}
        for item, sha256, entries in items
    ]
