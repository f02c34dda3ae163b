"""Stages 2–3 from the portal (§19–§22, §29–§31): registration cases at the registry gateway.

The housing company forms a case (the lease's encumbrance; at buyout the termination and the
ownership transfer); it appears in the applicant's cabinet; the applicant consents (consent
service, EDS) and signs the case application, the head signs it for KZhK; the applicant pays the
fee; the company books the registrar's video check and each participant gets their own join
link. The gateway is the authority on a case: its state comes back by callback and is mirrored
here (`RegistrationCase`) with a cabinet notice for each change.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from common.problems import Problem
from portal import repository as repo
from portal.config import get_settings
from portal.db import get_engine
from portal.domain.lease import LEASE_MEDIA_TYPE
from portal.domain.states import Status, advance
from portal.models import Application, Lease, RegistrationCase
from portal.service.access import load_application, require_role
from portal.service.auth import User
from portal.service.base import (
    aware,
    consent_client,
    notify,
    now,
    peer_call,
    registry_client,
    sha256_hex,
    transaction,
)
from portal.signatures import expect_company, expect_individual, verify_party
from registry_gateway.schemas import CaseKind, CaseView, DocumentSpec, PartySpec

__all__ = [
    "CONSENT_PURPOSE",
    "application_document",
    "apply_case_status",
    "consent_artefact",
    "document_spec",
    "form_lease_registration",
    "grant_consent",
    "list_registrations",
    "open_case",
    "pay_fee",
    "registration_view",
    "schedule_video",
    "sign_application",
    "video_invitation",
]

# The consent each kind of case rests on (appendix form; one consent covers the buyout pair).
CONSENT_PURPOSE = {
    CaseKind.LEASE: "registration.encumbrance",
    CaseKind.TERMINATION: "registration.termination_ownership",
    CaseKind.OWNERSHIP: "registration.termination_ownership",
}
_IN_FORCE = ("ACTIVE", "REVOCATION_DENIED")
_CLOSED = ("registered", "refused")


def _aware_or_none(moment: datetime | None) -> str | None:
    return aware(moment).isoformat() if moment else None


def document_spec(name: str, content: bytes, media_type: str, cms: bytes | None) -> DocumentSpec:
    return DocumentSpec(
        name=name,
        sha256=sha256_hex(content),
        media_type=media_type,
        content_b64=base64.b64encode(content).decode(),
        cms_b64=base64.b64encode(cms).decode() if cms else None,
    )


def open_case(
    app: Application,
    kind: CaseKind,
    *,
    portal_ref: str,
    representative_iin: str,
    documents: list[DocumentSpec],
    related_case: str | None = None,
) -> str:
    """Submit a case to the gateway (idempotent there per kind + `portal_ref`) and mirror it.

    The parties: the applicant (the gateway adds a married applicant's spouse to the video from
    the civil registry) and the housing company acting through `representative_iin`."""
    settings = get_settings()
    parties = [
        PartySpec(iin=app.applicant_iin, role="applicant"),
        PartySpec(
            bin=settings.housing_company_bin, role="housing_company", representative_iin=representative_iin
        ),
    ]
    with peer_call("the registry gateway"), registry_client() as registry:
        view = registry.submit_case(
            kind, app.cadastral_number, parties, documents, portal_ref, related_case=related_case
        )
    with transaction() as session:
        if session.get(RegistrationCase, view.id) is None:
            session.add(
                RegistrationCase(
                    id=view.id,
                    application_id=app.id,
                    kind=str(kind),
                    state=str(view.state),
                    portal_ref=portal_ref,
                    related_case=related_case,
                    representative_iin=representative_iin,
                )
            )
            notify(
                session,
                app.applicant_iin,
                "registration.formed",
                f"The housing company formed the application «{kind}» (case {view.id}): "
                "give your consent, sign it and pay the fee in your cabinet",
                ref=view.id,
            )
            notify(
                session,
                settings.housing_company_bin,
                "registration.sign",
                f"Case {view.id} ({kind}) awaits the head's signature for the housing company",
                ref=view.id,
            )
    return view.id


def form_lease_registration(lease_id: str, user: User) -> dict[str, Any]:
    """§19: the housing company forms the application to register the signed lease."""
    require_role(user, "officer", "head")
    with Session(get_engine()) as session:
        lease = session.get(Lease, lease_id)
        if lease is None:
            raise Problem(404, "lease.not_found", "no such lease")
        app = load_application(session, lease.application_id, user, "officer", "head")
        cases = repo.cases_of_kind(session, app.id, str(CaseKind.LEASE))
        live = next((c for c in cases if c.state != "refused"), None)
        if live is not None:
            return registration_view(live.id, user)
        if app.status != Status.LEASE_SIGNED or lease.cms is None:
            raise Problem(409, "application.wrong_state", "the lease must be signed by every party first")
        head = repo.lease_signer_iin(session, lease.id, "head")
        # after a refusal the company forms a new application: a new reference, a new case
        portal_ref = lease.id if not cases else f"{lease.id}.{len(cases) + 1}"
        documents = [document_spec("lease.json", lease.content, LEASE_MEDIA_TYPE, lease.cms)]
    case_id = open_case(
        app,
        CaseKind.LEASE,
        portal_ref=portal_ref,
        representative_iin=head or user.iin,
        documents=documents,
    )
    with transaction() as session:
        stored = session.get(Application, app.id)
        assert stored is not None
        if stored.status == Status.LEASE_SIGNED:
            stored.status = advance(Status(stored.status), Status.REGISTRATION)
    return registration_view(case_id, user)


def _load_case(
    session: Session, case_id: str, user: User, *roles: str
) -> tuple[RegistrationCase, Application]:
    case = session.get(RegistrationCase, case_id)
    if case is None:
        raise Problem(404, "registration.not_found", "no such registration case among yours")
    app = load_application(session, case.application_id, user, *(roles or ("applicant", "officer", "head")))
    return case, app


def _next_steps(case: RegistrationCase) -> list[str]:
    if case.state in _CLOSED:
        return []
    steps = []
    if case.consent_status not in _IN_FORCE:
        steps.append("consent")
    if case.applicant_signed_at is None:
        steps.append("applicant_signature")
    if case.company_signed_at is None:
        steps.append("company_signature")
    if case.fee_receipt is None:
        steps.append("payment")
    if case.video_starts_at is None:
        steps.append("video")
    return steps or ["registrar"]


def _view(session: Session, case: RegistrationCase, app: Application) -> dict[str, Any]:
    notices = repo.notices_about(session, case.id, app.applicant_iin)
    return {
        "id": case.id,
        "kind": case.kind,
        "state": case.state,
        "application_id": case.application_id,
        "cadastral_number": app.cadastral_number,
        "portal_ref": case.portal_ref,
        "related_case": case.related_case,
        "representative_iin": case.representative_iin,
        "consent": {
            "id": case.consent_id,
            "status": case.consent_status,
            "purpose": CONSENT_PURPOSE[CaseKind(case.kind)],
        },
        "signed": {
            "applicant": _aware_or_none(case.applicant_signed_at),
            "housing_company": _aware_or_none(case.company_signed_at),
        },
        "fee": {"due": f"{get_settings().registration_fee:.2f}", "receipt": case.fee_receipt},
        "video_starts_at": _aware_or_none(case.video_starts_at),
        "deadline": _aware_or_none(case.deadline),
        "decision": case.decision,
        "next": _next_steps(case),
        "created_at": aware(case.created_at).isoformat(),
        "updated_at": aware(case.updated_at).isoformat(),
        # each status change, with the dates it was sent and confirmed read (§28, rules §30)
        "notices": [
            {
                "kind": n.kind,
                "text": n.text,
                "sent_at": aware(n.created_at).isoformat(),
                "read_at": _aware_or_none(n.read_at),
            }
            for n in notices
        ],
    }


def registration_view(case_id: str, user: User) -> dict[str, Any]:
    with Session(get_engine()) as session:
        case, app = _load_case(session, case_id, user)
        return _view(session, case, app)


def list_registrations(user: User, application_id: str | None = None) -> list[dict[str, Any]]:
    """The applicant's own cases (their cabinet); every case for the housing company."""
    with Session(get_engine()) as session:
        rows = repo.cases_with_applications(
            session,
            applicant_iin=None if user.has("officer", "head") else user.iin,
            application_id=application_id,
        )
        return [_view(session, case, app) for case, app in rows]


# ---------------------------------------------------------------- consent (§20, §31)


def _ensure_consent(case_id: str, user: User) -> str:
    with Session(get_engine()) as session:
        case, app = _load_case(session, case_id, user, "applicant")
        if case.consent_id:
            return case.consent_id
        purpose, ref = CONSENT_PURPOSE[CaseKind(case.kind)], case.portal_ref
    with peer_call("the consent service"), consent_client() as consent:
        # idempotent per subject, purpose and reference: the buyout pair shares one consent
        view = consent.request_consent(app.applicant_iin, user.name, purpose, "portal", ref)
    _store_consent(app.id, ref, view.id, view.status.value)
    return view.id


def _store_consent(application_id: str, portal_ref: str, consent_id: str, status: str) -> None:
    with transaction() as session:
        for sibling in repo.cases_by_ref(session, application_id, portal_ref):
            sibling.consent_id, sibling.consent_status = consent_id, status


def consent_artefact(case_id: str, user: User) -> bytes:
    """The appendix form the applicant signs for this registration (consent service artefact)."""
    consent_id = _ensure_consent(case_id, user)
    with peer_call("the consent service"), consent_client() as consent:
        return consent.artefact_bytes(consent_id)


def grant_consent(case_id: str, user: User, cms_der: bytes) -> dict[str, Any]:
    consent_id = _ensure_consent(case_id, user)
    with peer_call("the consent service"), consent_client() as consent:
        view = consent.grant_with_cms(consent_id, cms_der)
    with Session(get_engine()) as session:
        case, app = _load_case(session, case_id, user, "applicant")
        ref = case.portal_ref
    _store_consent(app.id, ref, consent_id, view.status.value)
    return registration_view(case_id, user)


# ---------------------------------------------------------------- signing, fee, video


def application_document(case_id: str, user: User) -> bytes:
    """The case application exactly as the gateway holds it: what every party signs."""
    with Session(get_engine()) as session:
        _load_case(session, case_id, user)
    with peer_call("the registry gateway"), registry_client() as registry:
        return registry.application_document(case_id)


def sign_application(case_id: str, user: User, cms: str) -> dict[str, Any]:
    """The applicant (after consenting) or the head for KZhK signs the case application."""
    with Session(get_engine()) as session:
        case, app = _load_case(session, case_id, user)
        if case.state in _CLOSED:
            raise Problem(409, "registration.closed", f"the case is {case.state}")
        as_company = user.has("head") and user.bin == get_settings().housing_company_bin
        if not as_company and (user.bin is not None or user.iin != app.applicant_iin):
            raise Problem(
                403, "registration.not_a_signer", "the applicant and the head sign this application"
            )
        if not as_company and case.consent_status not in _IN_FORCE:
            raise Problem(409, "registration.consent_required", "give your consent before signing")
    content = application_document(case_id, user)
    signed = verify_party(
        content, cms, expect_company() if as_company else expect_individual(app.applicant_iin)
    )
    if signed.iin != user.iin:
        raise Problem(403, "signature.not_yours", "sign with your own key")
    party = get_settings().housing_company_bin if as_company else app.applicant_iin
    with peer_call("the registry gateway"), registry_client() as registry:
        view = registry.sign_case_application(case_id, party, signed.cms_der)
    with transaction() as session:
        stored = session.get(RegistrationCase, case_id)
        assert stored is not None
        if as_company:
            stored.company_signed_at = stored.company_signed_at or now()
        else:
            stored.applicant_signed_at = stored.applicant_signed_at or now()
        _mirror(stored, view)
    return registration_view(case_id, user)


def _mirror(case: RegistrationCase, view: CaseView) -> None:
    """What the gateway answered synchronously; callbacks bring the same and the later states."""
    if case.state not in _CLOSED:
        case.state = str(view.state)
    case.deadline = view.deadline or case.deadline
    case.updated_at = now()


def pay_fee(case_id: str, user: User) -> dict[str, Any]:
    """§22: the applicant pays the fee through the portal; the gateway confirms it with the
    payment gateway's signed receipt (idempotent: a second call returns the same receipt)."""
    with Session(get_engine()) as session:
        _, app = _load_case(session, case_id, user, "applicant")
    with peer_call("the registry gateway"), registry_client() as registry:
        due: Decimal = registry.get_case(case_id).fee.due
        receipt = registry.pay_fee(case_id, due, payer=app.applicant_iin)
        view = registry.get_case(case_id)
    with transaction() as session:
        stored = session.get(RegistrationCase, case_id)
        assert stored is not None
        stored.fee_receipt = receipt.model_dump(mode="json")
        _mirror(stored, view)
        notify(
            session,
            app.applicant_iin,
            "registration.fee_paid",
            f"The registration fee of {receipt.amount} KZT is paid (receipt {receipt.receipt_id})",
            ref=case_id,
        )
    return registration_view(case_id, user)


def schedule_video(case_id: str, user: User, starts_at: datetime | None) -> dict[str, Any]:
    """§21, §30: the housing company books the registrar's video check for the case."""
    require_role(user, "officer", "head")
    when = (starts_at or now() + timedelta(minutes=15)).replace(microsecond=0)
    with Session(get_engine()) as session:
        case, app = _load_case(session, case_id, user, "officer", "head")
        if case.state in _CLOSED:
            raise Problem(409, "registration.closed", f"the case is {case.state}")
    with peer_call("the registry gateway"), registry_client() as registry:
        view = registry.schedule_video(case_id, when)
    with transaction() as session:
        stored = session.get(RegistrationCase, case_id)
        assert stored is not None
        stored.video_starts_at = view.video.starts_at if view.video else when
        _mirror(stored, view)
        text = f"The registrar's video check is booked for {when.isoformat()}: join from your cabinet"
        notify(session, app.applicant_iin, "registration.video", text, ref=case_id)
        notify(session, get_settings().housing_company_bin, "registration.video", text, ref=case_id)
    return registration_view(case_id, user)


def video_invitation(case_id: str, user: User) -> dict[str, Any]:
    """The caller's own join link: the applicant, their spouse, or KZhK's representative."""
    with Session(get_engine()) as session:
        case = session.get(RegistrationCase, case_id)
        app = session.get(Application, case.application_id) if case else None
        spouse = ((app.state_data.get("family") or {}).get("spouse_iin")) if app else None
        allowed = app is not None and (
            user.iin in (app.applicant_iin, spouse) or (user.has("officer", "head") and case is not None)
        )
        if case is None or not allowed:
            raise Problem(404, "registration.not_found", "no such registration case among yours")
        if case.video_starts_at is None:
            raise Problem(409, "registration.no_video", "no video check is booked yet")
    with peer_call("the video check"), registry_client() as registry:
        invitation = registry.video_invitation(case_id, user.iin)
    return {
        "case_id": case_id,
        "starts_at": aware(case.video_starts_at).isoformat(),
        "join_url": invitation.get("join_url"),
        "expires_at": invitation.get("expires_at"),
        "role": invitation.get("role"),
    }


# ---------------------------------------------------------------- statuses from the gateway

_FINAL_TEXT = {
    "registered": "registered",
    "suspended": "suspended by the registrar",
    "refused": "refused by the registrar",
}


def apply_case_status(session: Session, case: RegistrationCase, payload: dict[str, Any]) -> None:
    """Mirror a state the gateway reported, move the application on, and tell the applicant."""
    state = str(payload["state"])
    if case.state in _CLOSED and state not in _CLOSED:
        return  # a late retry of an earlier state must not reopen a decided case
    case.state, case.updated_at = state, now()
    if payload.get("deadline"):
        case.deadline = datetime.fromisoformat(str(payload["deadline"]))
    if payload.get("decision"):
        case.decision = dict(payload["decision"])
    app = session.get(Application, case.application_id)
    if app is None:
        return
    if case.kind == CaseKind.LEASE and app.status == Status.REGISTRATION:
        if state == "registered":
            app.status = advance(Status(app.status), Status.REGISTERED)
        elif state == "refused":
            app.status = advance(Status(app.status), Status.LEASE_SIGNED)  # KZhK may form a new one
    if case.kind == CaseKind.OWNERSHIP and state == "registered" and app.status == Status.REGISTERED:
        app.status = advance(Status(app.status), Status.BOUGHT_OUT)
    what = _FINAL_TEXT.get(state, state.replace("_", " "))
    text = f"Registration case {case.id} ({case.kind}): {what}"
    ground = (case.decision or {}).get("ground_text")
    if state in _FINAL_TEXT and ground:
        text += f" — {ground}"
    notify(session, app.applicant_iin, f"registration.{state}", text, ref=case.id)
    if state in _FINAL_TEXT:
        notify(session, get_settings().housing_company_bin, f"registration.{state}", text, ref=case.id)
