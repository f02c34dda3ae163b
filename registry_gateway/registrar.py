"""Use cases of the registrar (§23-28, §32-37): run the checks, draft and take a signed
decision — register, suspend or refuse — resume a suspended case, and raise deadline alerts."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from chain.client import sha256_hex
from common.calendar import add_calendar_days, local_date
from common.canonical import canonical_bytes
from common.db import session_scope
from common.entries import rfc3339
from common.http_client import ServiceError
from common.problems import Problem
from common.settings import service_url
from registry_gateway import repository as repo
from registry_gateway.config import get_service_key, get_settings
from registry_gateway.db import get_engine
from registry_gateway.domain import checks as rules
from registry_gateway.domain.deadline import alert_level
from registry_gateway.domain.grounds import DEFAULT_SUSPENSION_DAYS, ground_for
from registry_gateway.domain.states import TERMINAL
from registry_gateway.models import (
    Case,
    CaseCheck,
    CaseDocument,
    CaseParty,
    CaseTransition,
    DeadlineAlert,
    Encumbrance,
    Person,
    Property,
    Right,
)
from registry_gateway.relay import enqueue
from registry_gateway.schemas import CaseView, DecisionDraft, DocumentSpec
from registry_gateway.service import chain_message, decode_b64, status_payload
from registry_gateway.signatures import signer_entries, validate
from registry_gateway.stand_in import StandInStateSystems, append_sheet_line
from registry_gateway.views import case_view
from videoconf.client import VideoconfClient

__all__ = ["decide", "decision_draft", "raise_deadline_alerts", "resume", "run_checks"]

_CHECKABLE = {"awaiting_signatures", "awaiting_payment", "awaiting_video", "checking"}
_DECISION_MEDIA = "application/json"


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- checks


def _video_facts(room_id: str | None) -> rules.VideoFacts:
    """The registrar's signed outcome of the session, read from the video service."""
    if room_id is None:
        return rules.VideoFacts(None, frozenset(), {})
    try:
        with VideoconfClient(service_url("videoconf"), caller_key=get_service_key()) as video:
            outcome = video.outcome(room_id)
    except ServiceError as exc:
        return rules.VideoFacts(room_id, frozenset(), {}, {"*": f"video service: {exc.code}"})
    if outcome is None:
        return rules.VideoFacts(room_id, frozenset(), {}, {})
    approved = str(outcome.status) == "approved"
    verdicts: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for item in outcome.checklist:
        verdicts[item.iin] = "confirmed" if approved and item.passed else "rejected"
        if verdicts[item.iin] == "rejected":
            reasons[item.iin] = "; ".join(item.problems or outcome.reasons) or "rejected by the registrar"
    return rules.VideoFacts(
        room_id, frozenset(verdicts), verdicts, reasons, outcome_sha256=outcome.outcome_sha256
    )


def _party_facts(session: Session, parties: list[CaseParty]) -> list[rules.PartyFacts]:
    registries = StandInStateSystems(session)
    facts = []
    for party in parties:
        if party.bin:
            facts.append(
                rules.PartyFacts(party.bin, party.role, True, representative_iin=party.representative_iin)
            )
            continue
        person = session.get(Person, party.iin)
        married = bool(person and person.marital_status == "married")
        act = None
        if married and person is not None:
            acts = [a for a in registries.civil_acts(person.iin).acts if a.kind == "marriage"]
            act = next((a.number for a in reversed(acts) if person.spouse_iin in a.parties), None)
        facts.append(
            rules.PartyFacts(
                party.iin or "",
                party.role,
                False,
                married=married,
                spouse_iin=person.spouse_iin if person else None,
                marriage_act=act,
            )
        )
    return facts


def _signature_facts(
    case: Case, parties: list[CaseParty], documents: list[CaseDocument]
) -> list[rules.SignatureFacts]:
    """Re-validate every CMS now: a certificate revoked since signing fails here."""
    keys = [(p.iin, p.bin) for p in parties]
    entries: list[dict[str, Any]] = []
    for party in parties:
        if party.application_cms:
            entries += signer_entries(validate(party.application_cms, case.application), "application", keys)
    for doc in documents:
        if doc.cms:
            entries += signer_entries(validate(doc.cms, doc.content), doc.name, keys)
    return [
        rules.SignatureFacts(
            item=e["item"],
            indication=e["indication"],
            sub_indication=e["sub_indication"],
            iin=e["iin"],
            bin=e["bin"],
            party_ok=e["party_ok"],
            party_problem=e["party_problem"],
        )
        for e in entries
    ]


def _terminating_encumbrance(session: Session, case: Case) -> str | None:
    if case.kind != "ownership.transfer" or not case.related_case:
        return None
    related = session.get(Case, case.related_case)
    if related is None:
        return None
    return related.encumbrance_id or _live_lease_id(session, case.cadastral_number)


def _live_lease_id(session: Session, cadastral_number: str) -> str | None:
    live = StandInStateSystems(session).live_encumbrances(cadastral_number)
    return next((e.id for e in live if e.kind == "lease"), None)


def run_checks(case_id: str, actor: str) -> CaseView:
    """Run every check of §23-24 and store each with its evidence; the case moves to `checking`."""
    with Session(get_engine()) as session:
        room_id = repo.get_case(session, case_id).video_room_id
    video = _video_facts(room_id)
    with session_scope(get_engine(), immediate=True) as session:
        case = repo.get_case(session, case_id)
        if case.state not in _CHECKABLE:
            raise Problem(409, "case.not_checkable", f"a {case.state} case cannot be checked")
        parties = repo.parties_of(session, case.id)
        documents = repo.documents_of(session, case.id)
        party_facts = _party_facts(session, parties)
        registries = StandInStateSystems(session)
        prop = session.get(Property, case.cadastral_number)
        live = [
            {"id": e.id, "kind": e.kind, "registered_at": e.registered_at.isoformat()}
            for e in registries.live_encumbrances(case.cadastral_number)
        ]
        subjects = {f.identifier for f in party_facts}
        subjects |= {f.representative_iin for f in party_facts if f.representative_iin}
        subjects |= {f.spouse_iin for f in party_facts if f.married and f.spouse_iin}
        company = next((p.bin for p in parties if p.role == "housing_company"), None)
        outcomes = [
            rules.check_fee(
                case.fee_due, case.fee_paid, (case.receipt or {}).get("receipt_id"), case.receipt is not None
            ),
            rules.check_signatures(party_facts, _signature_facts(case, parties, documents)),
            rules.check_spouses(party_facts, video),
            rules.check_encumbrances(case.kind, live, _terminating_encumbrance(session, case)),
            rules.check_terrorism_list({s: registries.terrorism_list_hit(s) for s in sorted(subjects)}),
            rules.check_video(rules.required_video_participants(party_facts), video),
            rules.check_property(
                case.kind,
                prop is not None,
                (prop.owner_bin or prop.owner_iin) if prop else None,
                company,
            ),
        ]
        run = repo.latest_run(session, case.id) + 1
        now = _now()
        for outcome in outcomes:
            session.add(
                CaseCheck(
                    case_id=case.id,
                    run=run,
                    code=outcome.code,
                    passed=outcome.passed,
                    detail=outcome.detail,
                    evidence=outcome.evidence,
                    checked_at=now,
                )
            )
        failed = [o.code for o in outcomes if not o.passed]
        summary = f"checks run {run}: " + (f"failed {', '.join(failed)}" if failed else "all passed")
        if case.state == "checking":
            session.add(
                CaseTransition(
                    case_id=case.id, from_state="checking", to_state="checking", actor=actor, reason=summary
                )
            )
        else:
            repo.record_transition(session, case, "checking", actor, summary)
        return case_view(session, case)


# ---------------------------------------------------------------- decisions


def _ground(action: str, code: str | None) -> tuple[str | None, str | None]:
    if action == "register":
        return None, None
    ground = ground_for(action, code)
    if ground is None:
        article = "27" if action == "suspend" else "31"
        raise Problem(
            422, "case.ground_unknown", f"{action} needs a ground of art. {article}: {code!r} is not one"
        )
    return ground.code, ground.text["ru"]


def decision_draft(
    case_id: str,
    action: str,
    ground_code: str | None,
    reasons: str | None,
    documents_requested: list[str],
    term_days: int | None,
) -> DecisionDraft:
    """The decision document the registrar signs: what is decided, on which ground, and which
    checks (of which run) it rests on."""
    code, text = _ground(action, ground_code)
    if action == "refuse" and not (reasons or "").strip():
        raise Problem(422, "case.reasons_required", "a refusal must state its reasons")
    with Session(get_engine()) as session:
        case = repo.get_case(session, case_id)
        checks = repo.checks_of(session, case.id)
        document = {
            "type": "registration.decision",
            "case_id": case.id,
            "case_kind": case.kind,
            "cadastral_number": case.cadastral_number,
            "application_sha256": case.application_sha256,
            "action": action,
            "ground_code": code,
            "ground_text": text,
            "reasons": reasons,
            "documents_requested": documents_requested if action == "suspend" else [],
            "term_days": (term_days or DEFAULT_SUSPENSION_DAYS) if action == "suspend" else None,
            "checks_run": repo.latest_run(session, case.id),
            "checks": [{"code": c.code, "passed": c.passed} for c in checks],
            "drafted_at": rfc3339(_now()),
        }
    raw = canonical_bytes(document)
    return DecisionDraft(action=action, document_b64=base64.b64encode(raw).decode(), sha256=sha256_hex(raw))  # type: ignore[arg-type]


def _registrar_signature(document: bytes, cms: bytes) -> tuple[str, list[dict[str, Any]]]:
    entries = signer_entries(validate(cms, document), "decision", [])
    allowed = set(get_settings().registrar_iins)
    for entry in entries:
        if entry["indication"] == "TOTAL_PASSED" and entry["iin"] in allowed:
            return entry["iin"], entries
    detail = entries[0]["sub_indication"] or entries[0]["indication"] if entries else "no signer"
    if entries and entries[0]["indication"] == "TOTAL_PASSED":
        raise Problem(403, "case.not_a_registrar", f"{entries[0]['iin']} is not a registrar")
    raise Problem(422, "case.decision_signature_invalid", f"the registrar's signature is not valid: {detail}")


def decide(case_id: str, action: str, document_b64: str, cms_b64: str) -> CaseView:
    """Take a decision signed with the registrar's EDS (a finished CMS over the drafted document)."""
    raw = decode_b64(document_b64, "the decision document")
    cms = decode_b64(cms_b64, "the decision CMS")
    try:
        document = json.loads(raw)
    except ValueError:
        raise Problem(422, "case.decision_malformed", "the decision document is not JSON") from None
    if not isinstance(document, dict) or document.get("type") != "registration.decision":
        raise Problem(422, "case.decision_malformed", "not a registration decision document")
    if document.get("case_id") != case_id or document.get("action") != action:
        raise Problem(422, "case.decision_mismatch", "the document decides another case or action")
    registrar_iin, signature = _registrar_signature(raw, cms)
    with session_scope(get_engine(), immediate=True) as session:
        case = repo.get_case(session, case_id)
        allowed = {"checking"} | ({"suspended"} if action == "refuse" else set())
        if case.state not in allowed:
            raise Problem(409, "case.not_decidable", f"a {case.state} case cannot be decided ({action})")
        if document.get("checks_run") != repo.latest_run(session, case.id) or not document.get("checks_run"):
            raise Problem(409, "case.checks_changed", "the checks were re-run after the draft; draft again")
        checks = repo.checks_of(session, case.id)
        now = _now()
        suspended_until = None
        if action == "suspend":
            local_today = local_date(now)
            suspended_until = add_calendar_days(
                local_today, int(document.get("term_days") or DEFAULT_SUSPENSION_DAYS)
            )
        case.decision = {
            "action": action,
            "ground_code": document.get("ground_code"),
            "ground_text": document.get("ground_text"),
            "reasons": document.get("reasons"),
            "documents_requested": document.get("documents_requested") or [],
            "suspended_until": suspended_until.isoformat() if suspended_until else None,
            "registrar_iin": registrar_iin,
            "document_sha256": sha256_hex(raw),
            "decided_at": now.isoformat(),
            "signers": [{k: e[k] for k in ("iin", "indication", "signed_at")} for e in signature],
        }
        case.decision_document = raw
        case.decision_cms = cms
        evidence = [{"type": "cms", "sha256": sha256_hex(cms)}]
        if action == "register":
            failed = [c.code for c in checks if not c.passed]
            if failed:
                raise Problem(
                    409, "case.checks_failed", f"cannot register: failed {', '.join(failed)}", failed=failed
                )
            _register(session, case, registrar_iin, raw, evidence)
            state, reason = "registered", "registered by the registrar"
        elif action == "suspend":
            chain_message(
                session,
                case,
                "registration.suspended",
                doc_sha256=sha256_hex(raw),
                media_type=_DECISION_MEDIA,
                evidence=evidence,
                ref={"ground_code": str(document["ground_code"])},
            )
            state, reason = "suspended", f"suspended: {document['ground_code']} until {suspended_until}"
        else:
            chain_message(
                session,
                case,
                "registration.refused",
                doc_sha256=sha256_hex(raw),
                media_type=_DECISION_MEDIA,
                evidence=evidence,
                ref={"ground_code": str(document["ground_code"])},
            )
            state, reason = "refused", f"refused: {document['ground_code']}"
        repo.record_transition(session, case, state, f"registrar:{registrar_iin}", reason)
        _announce(session, case)
        return case_view(session, case)


def _register(
    session: Session, case: Case, registrar_iin: str, raw: bytes, evidence: list[dict[str, str]]
) -> None:
    """Write the registration into the cadastre (and its sheet) and queue the chain entry."""
    parties = repo.parties_of(session, case.id)
    applicant = next(p.iin for p in parties if p.role == "applicant")
    doc_sha = sha256_hex(raw)
    evidence = evidence + [
        {"type": "cms", "sha256": sha256_hex(p.application_cms)} for p in parties if p.application_cms
    ]
    if case.kind == "encumbrance.lease":
        # The checks ran earlier; another case on the same flat may have been registered since.
        # The property's row lock orders two registrars deciding at once (PostgreSQL).
        session.get(Property, case.cadastral_number, with_for_update=True)
        if StandInStateSystems(session).live_encumbrances(case.cadastral_number):
            raise Problem(
                409,
                "case.property_encumbered",
                "the property took a live encumbrance since the checks ran: run them again",
            )
        encumbrance = Encumbrance(
            cadastral_number=case.cadastral_number,
            kind="lease",
            holder_iin=applicant,
            basis=f"договор аренды с выкупом, дело {case.id}",
            case_id=case.id,
        )
        session.add(encumbrance)
        case.encumbrance_id = encumbrance.id
        append_sheet_line(
            session,
            case.cadastral_number,
            action="encumbrance.registered",
            case_id=case.id,
            holder=applicant,
            basis=encumbrance.basis,
            registrar_iin=registrar_iin,
        )
        chain_message(
            session,
            case,
            "encumbrance.registered",
            doc_sha256=doc_sha,
            media_type=_DECISION_MEDIA,
            evidence=evidence[:16],
            ref={"encumbrance_id": encumbrance.id},
        )
    elif case.kind == "encumbrance.termination":
        lease = _lease_to_terminate(session, case)
        lease.terminated_at = _now()
        lease.terminated_by_case = case.id
        session.add(lease)
        case.encumbrance_id = lease.id
        append_sheet_line(
            session,
            case.cadastral_number,
            action="encumbrance.terminated",
            case_id=case.id,
            holder=lease.holder_iin,
            basis=f"письмо о снятии обременения, дело {case.id}",
            registrar_iin=registrar_iin,
        )
        if lease.case_id:  # a lease registered before the pilot has no chain entry to name
            chain_message(
                session,
                case,
                "encumbrance.terminated",
                doc_sha256=doc_sha,
                media_type=_DECISION_MEDIA,
                evidence=evidence[:16],
                ref={"encumbrance_id": lease.id},
                encumbrance_case=lease.case_id,
            )
    else:
        related = session.get(Case, case.related_case) if case.related_case else None
        if related is None or related.state != "registered":
            raise Problem(409, "case.termination_first", "register the termination of the lease first")
        _transfer_ownership(session, case, applicant, registrar_iin)
        chain_message(
            session,
            case,
            "ownership.registered",
            doc_sha256=doc_sha,
            media_type=_DECISION_MEDIA,
            evidence=evidence[:16],
        )


def _lease_to_terminate(session: Session, case: Case) -> Encumbrance:
    related = session.get(Case, case.related_case) if case.related_case else None
    lease_id = (related.encumbrance_id if related else None) or _live_lease_id(session, case.cadastral_number)
    lease = session.get(Encumbrance, lease_id) if lease_id else None
    if lease is None or lease.terminated_at is not None:
        raise Problem(409, "case.no_live_lease", "there is no live lease to terminate")
    return lease


def _transfer_ownership(session: Session, case: Case, new_owner: str, registrar_iin: str) -> None:
    prop = session.get(Property, case.cadastral_number)
    assert prop is not None
    today = local_date(_now())
    current = session.exec(
        select(Right).where(Right.cadastral_number == prop.cadastral_number, col(Right.until).is_(None))
    ).all()
    for right in current:
        right.until = today
        session.add(right)
    basis = f"договор передачи в собственность, дело {case.id}"
    session.add(Right(cadastral_number=prop.cadastral_number, holder_iin=new_owner, since=today, basis=basis))
    prop.owner_iin, prop.owner_bin = new_owner, None
    session.add(prop)
    append_sheet_line(
        session,
        prop.cadastral_number,
        action="ownership.registered",
        case_id=case.id,
        holder=new_owner,
        basis=basis,
        registrar_iin=registrar_iin,
    )


# ---------------------------------------------------------------- notices


_TEXT = {
    "registered": ("Тіркеу жүргізілді / Регистрация произведена", "тіркелді / зарегистрировано"),
    "suspended": ("Тіркеу тоқтатыла тұрды / Регистрация приостановлена", "тоқтатыла тұрды / приостановлено"),
    "refused": ("Тіркеуден бас тартылды / В регистрации отказано", "бас тартылды / отказано"),
}
_KIND_TEXT = {
    "encumbrance.lease": "жалға алу түріндегі ауыртпалық / обременение в виде аренды",
    "encumbrance.termination": "ауыртпалықты тоқтату / прекращение обременения",
    "ownership.transfer": "меншік құқығы / право собственности",
}


def _announce(session: Session, case: Case) -> None:
    """§28, §37: the applicant's e-gov cabinet and phone, the portal, and the credit bureau."""
    decision = case.decision or {}
    subject, verb = _TEXT[case.state]
    ground = f" ({decision['ground_code']}: {decision['ground_text']})" if decision.get("ground_code") else ""
    body = f"{_KIND_TEXT[case.kind]}, {case.cadastral_number}: {verb}{ground}. Іс / Дело {case.id}."
    event = f"registration.{case.state}"
    base = {"case_id": case.id, "event": event}
    for party in repo.parties_of(session, case.id):
        if party.role != "applicant" or not party.iin:
            continue
        enqueue(session, "egov", {**base, "iin": party.iin, "subject": subject, "body": body})
        person = session.get(Person, party.iin)
        if person and person.phone:
            enqueue(session, "sms", {**base, "to": person.phone, "text": f"{subject}. {body}"[:480]})
    if get_settings().portal_callbacks:
        enqueue(session, "portal", status_payload(case, event))
    applicant = next((p.iin for p in repo.parties_of(session, case.id) if p.role == "applicant"), None)
    data = {
        "case_id": case.id,
        "case_kind": case.kind,
        "cadastral_number": case.cadastral_number,
        "state": case.state,
        "ground_code": decision.get("ground_code"),
        "decided_at": decision.get("decided_at"),
        "subject_iin": applicant,
    }
    for subscriber in repo.subscribers_for(session, event):
        enqueue(
            session,
            "bureau",
            {
                **base,
                "subscriber_id": subscriber.id,
                "type": event,
                "timestamp": rfc3339(_now()),
                "data": data,
            },
        )


# ---------------------------------------------------------------- resume and deadlines


def resume(case_id: str, documents: list[DocumentSpec], reason: str, actor: str) -> CaseView:
    """The applicant supplied what a suspension asked for: the case goes back to checking."""
    with session_scope(get_engine(), immediate=True) as session:
        case = repo.get_case(session, case_id)
        if case.state != "suspended":
            raise Problem(409, "case.not_suspended", f"the case is {case.state}")
        until = (case.decision or {}).get("suspended_until")
        if until and date.fromisoformat(until) < local_date(_now()):
            raise Problem(409, "case.suspension_expired", "the suspension term has passed (art. 31 p.1 sp.5)")
        for doc in documents:
            content = decode_b64(doc.content_b64, f"document {doc.name}")
            if sha256_hex(content) != doc.sha256:
                raise Problem(
                    422, "case.document_hash_mismatch", f"document {doc.name} does not match its sha256"
                )
            session.add(
                CaseDocument(
                    case_id=case.id,
                    name=doc.name,
                    sha256=doc.sha256,
                    media_type=doc.media_type,
                    content=content,
                    cms=decode_b64(doc.cms_b64, f"CMS of {doc.name}") if doc.cms_b64 else None,
                )
            )
        repo.record_transition(session, case, "checking", actor, f"resumed: {reason}")
        return case_view(session, case)


def raise_deadline_alerts(now: datetime) -> int:
    """Alert once per level (due soon, overdue) for each open case with a deadline."""
    raised = 0
    with session_scope(get_engine(), immediate=True) as session:
        for case in repo.open_cases_with_deadline(session):
            deadline = case.deadline if case.deadline.tzinfo else case.deadline.replace(tzinfo=UTC)  # type: ignore[union-attr]
            level = alert_level(deadline, now)
            if level is None or case.state in TERMINAL:
                continue
            exists = session.exec(
                select(DeadlineAlert).where(DeadlineAlert.case_id == case.id, DeadlineAlert.level == level)
            ).first()
            if exists is None:
                session.add(DeadlineAlert(case_id=case.id, level=level, deadline=deadline, raised_at=now))
                raised += 1
    return raised
