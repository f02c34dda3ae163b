"""The applicant's part of stage 1 (§8–§14): consent first, the form filled from the state
systems, the few facts and documents only the applicant has, the frozen application and its
EDS signature."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from common.calendar import add_calendar_days, deadline_end_of_day, local_date
from common.canonical import canonical_bytes
from common.problems import Problem
from portal import repository as repo
from portal.config import get_settings
from portal.db import get_engine
from portal.domain.schedule import add_months
from portal.domain.states import Status, advance
from portal.models import Account, Application, Flat, Guarantor, Upload
from portal.service.access import load_application
from portal.service.assessment import assess_application, family_size
from portal.service.auth import User
from portal.service.base import (
    aware,
    consent_client,
    notify,
    now,
    peer_call,
    registry_client,
    sha256_hex,
    today,
    transaction,
)
from portal.service.files import store_file
from portal.signatures import expect_individual, verify_party

__all__ = [
    "APPLICATION_PURPOSE",
    "REQUIRED_FORM",
    "add_upload",
    "application_view",
    "consent_artefact",
    "create_application",
    "finalise",
    "frozen_document",
    "grant_consent",
    "list_applications",
    "missing_items",
    "solvency",
    "submit",
    "update_form",
    "uploaded_file",
]

APPLICATION_PURPOSE = "rent_to_own.application"
APPLICATION_MEDIA_TYPE = "application/vnd.rto.application+json"
REQUIRED_FORM = ("employer", "position", "service_months", "monthly_income")
UPLOAD_TYPES = ("employment_certificate", "salary_certificate", "no_marriage_statement", "other")


def first_due_after(day: date) -> date:
    """Instalments fall on the 1st; the first on the 1st of the month after next."""
    return add_months(day.replace(day=1), 2)


def _require_open_invitation(account: Account) -> None:
    """§7: the application and its documents are submitted within the invitation's window."""
    if now() > aware(account.apply_by):
        raise Problem(
            410,
            "invitation.expired",
            f"the invitation ended on {aware(account.apply_by):%d.%m.%Y}; ask the akimat to relist you",
        )


def create_application(user: User, cadastral_number: str, term_months: int) -> dict[str, Any]:
    settings = get_settings()
    if user.bin is not None:
        raise Problem(403, "auth.forbidden", "apply with your personal key, not an organisation's")
    if not 1 <= term_months <= settings.max_term_months:
        raise Problem(422, "application.term", f"the term is 1..{settings.max_term_months} months")
    with transaction() as session:
        # Row locks order two clicks of one applicant and two applicants for one flat (PostgreSQL;
        # SQLite's write lock is taken at BEGIN).
        account = repo.account_by_iin(session, user.iin, for_update=True)
        if account is None:
            raise Problem(403, "invitation.none", "you are not on an akimat list of this programme")
        existing = repo.application_of(session, user.iin)
        if existing is not None:
            raise Problem(409, "application.exists", "you already have an application", id=existing.id)
        _require_open_invitation(account)
        flat = session.get(Flat, cadastral_number, with_for_update=True)
        if flat is None:
            raise Problem(404, "flat.not_found", "the housing company offers no such flat")
        if flat.reserved_by is not None:
            raise Problem(409, "flat.reserved", "this flat is reserved by another application")
        app = Application(
            applicant_iin=user.iin,
            applicant_name=user.name,
            cadastral_number=cadastral_number,
            term_months=term_months,
            first_due=first_due_after(today()),
        )
        session.add(app)
        flat.reserved_by = app.id
    _ensure_consent(app.id, user)
    return application_view(app.id, user)


def _ensure_consent(application_id: str, user: User) -> str:
    # Access first: a stranger learns nothing and never reaches the consent service.
    with transaction() as session:
        app = load_application(session, application_id, user, "applicant")
        if app.consent_id:
            return app.consent_id
        phone = repo.phone_of(session, app.applicant_iin)
    with peer_call("the consent service"), consent_client() as consent:
        view = consent.request_consent(
            app.applicant_iin, user.name, APPLICATION_PURPOSE, "portal", app.id, phone=phone
        )
    with transaction() as session:
        stored = session.get(Application, application_id)
        assert stored is not None
        stored.consent_id, stored.consent_status = view.id, view.status.value
    return view.id


def consent_artefact(application_id: str, user: User) -> bytes:
    """The bytes the applicant signs to consent (§9), exactly as the consent service holds them."""
    with transaction() as session:
        load_application(session, application_id, user, "applicant")
    consent_id = _ensure_consent(application_id, user)
    with peer_call("the consent service"), consent_client() as consent:
        return consent.artefact_bytes(consent_id)


def grant_consent(application_id: str, user: User, cms_der: bytes) -> dict[str, Any]:
    consent_id = _ensure_consent(application_id, user)
    with peer_call("the consent service"), consent_client() as consent:
        view = consent.grant_with_cms(consent_id, cms_der)
    with transaction() as session:
        app = load_application(session, application_id, user, "applicant")
        app.consent_status = view.status.value
    if view.in_force:
        autofill(application_id)
    return application_view(application_id, user)


def autofill(application_id: str) -> None:
    """Everything a state system knows is fetched, never asked (2026 amendments, 003_*.txt)."""
    with Session(get_engine()) as session:
        app = session.get(Application, application_id)
        assert app is not None
        assert app.consent_id
        iin, consent_id = app.applicant_iin, app.consent_id
    lookup = {"purpose": APPLICATION_PURPOSE, "consent_id": consent_id}
    with peer_call("the state systems"), registry_client() as registry:
        person = registry.person(iin, **lookup)
        family = registry.family(iin, **lookup)
        ownership = registry.ownership_history(iin, 5, **lookup)
        credit = registry.credit_history(iin, **lookup)
    with transaction() as session:
        app = session.get(Application, application_id)
        assert app is not None
        app.applicant_name = person.name_ru.full
        app.state_data = {
            "person": person.model_dump(mode="json"),
            "family": family.model_dump(mode="json"),
            "ownership": ownership.model_dump(mode="json"),
            "credit": credit.model_dump(mode="json"),
        }


def _require_editable(app: Application) -> None:
    if app.status != Status.DRAFT or app.document is not None:
        raise Problem(409, "application.frozen", "the application is finalised and can no longer change")


def update_form(application_id: str, user: User, form: dict[str, Any]) -> dict[str, Any]:
    with transaction() as session:
        app = load_application(session, application_id, user, "applicant")
        _require_editable(app)
        app.form = {**app.form, **form}
    return application_view(application_id, user)


def add_upload(
    application_id: str, user: User, *, doc_type: str, filename: str, media_type: str, data: bytes
) -> dict[str, Any]:
    settings = get_settings()
    if doc_type not in UPLOAD_TYPES:
        raise Problem(422, "upload.type", f"document type must be one of: {', '.join(UPLOAD_TYPES)}")
    if media_type not in settings.upload_media_types:
        raise Problem(415, "upload.media_type", f"accepted: {', '.join(settings.upload_media_types)}")
    if len(data) > settings.upload_max_bytes:
        raise Problem(413, "upload.too_large", f"at most {settings.upload_max_bytes} bytes")
    if not data:
        raise Problem(422, "upload.empty", "the file is empty")
    with transaction() as session:
        app = load_application(session, application_id, user, "applicant", "guarantor")
        _require_editable(app)
        digest = store_file(data)
        upload = Upload(
            application_id=app.id,
            owner_iin=user.identifier,
            doc_type=doc_type,
            filename=filename[:200],
            media_type=media_type,
            size=len(data),
            sha256=digest,
        )
        session.add(upload)
    return upload_view(upload)


def upload_view(upload: Upload) -> dict[str, Any]:
    return {
        "id": upload.id,
        "doc_type": upload.doc_type,
        "filename": upload.filename,
        "media_type": upload.media_type,
        "size": upload.size,
        "sha256": upload.sha256,
        "owner": upload.owner_iin,
        "uploaded_at": aware(upload.uploaded_at).isoformat(),
    }


def required_uploads(app: Application) -> list[str]:
    required = ["employment_certificate", "salary_certificate"]
    # The civil registry proves a marriage, a divorce or a death, never that there was no marriage.
    if app.state_data.get("person", {}).get("marital_status") == "single":
        required.append("no_marriage_statement")
    return required


def missing_items(session: Session, app: Application) -> list[str]:
    """What still stops the applicant from finalising, as stable codes."""
    missing = []
    if app.consent_status not in ("ACTIVE", "REVOCATION_DENIED"):
        missing.append("consent")
    if not app.state_data:
        missing.append("state_data")
    missing += [f"form.{name}" for name in REQUIRED_FORM if app.form.get(name) in (None, "")]
    uploaded = {u.doc_type for u in repo.uploads_of(session, app.id, app.applicant_iin)}
    missing += [f"upload.{t}" for t in required_uploads(app) if t not in uploaded]
    return missing


def application_document(session: Session, app: Application, solvency: dict[str, Any]) -> bytes:
    flat = session.get(Flat, app.cadastral_number)
    assert flat is not None
    guarantors = repo.guarantors_of(session, app.id)
    uploads = repo.uploads_of(session, app.id, oldest_first=True)
    person = app.state_data.get("person", {})
    return canonical_bytes(
        {
            "type": "rent-to-own-application",
            "version": 1,
            "application_id": app.id,
            "applicant": {
                "iin": app.applicant_iin,
                "name": app.applicant_name,
                "birth_date": person.get("birth_date"),
            },
            "flat": {
                "cadastral_number": flat.cadastral_number,
                "address": flat.address,
                "price": f"{flat.price:.2f}",
            },
            "term_months": app.term_months,
            "declared": {k: str(app.form.get(k)) for k in REQUIRED_FORM},
            "family_members": family_size(app.state_data),
            "documents": [{"type": u.doc_type, "sha256": u.sha256, "owner": u.owner_iin} for u in uploads],
            "guarantors": [
                {
                    "kind": g.kind,
                    "identifier": g.identifier,
                    "name": g.name,
                    "monthly_income": f"{g.monthly_income:.2f}",
                }
                for g in guarantors
            ],
            "solvency": {
                k: solvency[k]
                for k in ("instalment", "assessed_income", "payment_to_income", "residual_per_member")
            },
            "consent_id": app.consent_id,
            "finalised_at": now().isoformat(timespec="seconds"),
        }
    )


def finalise(application_id: str, user: User) -> dict[str, Any]:
    """Freeze the application: every gap, an ineligible guarantor or insufficient solvency stops it."""
    with transaction() as session:
        app = load_application(session, application_id, user, "applicant")
        _require_editable(app)
        missing = missing_items(session, app)
        guarantors = repo.guarantors_of(session, app.id, by_position=False)
        for g in guarantors:
            if g.ineligible:
                missing.append(f"guarantor.{g.position}.ineligible")
            elif g.monthly_income is None or (g.kind != "employer" and g.consent_status != "ACTIVE"):
                missing.append(f"guarantor.{g.position}.incomplete")
        if missing:
            raise Problem(422, "application.incomplete", "the application is not complete", missing=missing)
        solvency = assess_application(session, app)
        if solvency["needs_guarantor"]:
            raise Problem(
                422,
                "solvency.guarantor_required",
                "the household's income does not cover the lease: invite a guarantor",
                solvency=solvency,
            )
        app.solvency = solvency
        app.document = application_document(session, app, solvency)
        app.document_sha256 = sha256_hex(app.document)
        for g in guarantors:
            notify(
                session,
                g.identifier,
                "guarantor.sign",
                f"Application {app.id} awaits your EDS signature",
                ref=app.id,
            )
    return application_view(application_id, user)


def submit(application_id: str, user: User, cms: str) -> dict[str, Any]:
    settings = get_settings()
    with Session(get_engine()) as session:
        app = load_application(session, application_id, user, "applicant")
        document = app.document
        if document is None:
            raise Problem(409, "application.not_finalised", "finalise the application before signing it")
    signed = verify_party(document, cms, expect_individual(user.iin))
    with transaction() as session:
        app = load_application(session, application_id, user, "applicant")
        if app.document != document:
            raise Problem(409, "application.changed", "the application changed while you signed; sign again")
        account = repo.account_by_iin(session, app.applicant_iin)
        if account is not None:
            _require_open_invitation(account)
        unsigned = repo.unsigned_guarantor_positions(session, app.id)
        if unsigned:
            raise Problem(
                409,
                "application.guarantors_unsigned",
                "every guarantor signs first",
                positions=list(unsigned),
            )
        try:
            app.status = advance(Status(app.status), Status.SUBMITTED)
        except Exception as exc:
            raise Problem(409, "application.wrong_state", str(exc)) from None
        app.applicant_cms = signed.cms_der
        app.submitted_at = now()
        app.review_deadline = deadline_end_of_day(
            add_calendar_days(local_date(aware(app.submitted_at)), settings.review_within_days)
        )
        phone = repo.phone_of(session, app.applicant_iin)
        notify(
            session,
            app.applicant_iin,
            "application.received",
            f"Application {app.id} received {app.submitted_at:%d.%m.%Y %H:%M} UTC; "
            f"decision by {app.review_deadline:%d.%m.%Y}",
            ref=app.id,
            sms_to=phone,
        )
    return application_view(application_id, user)


def application_view(application_id: str, user: User) -> dict[str, Any]:
    with Session(get_engine()) as session:
        app = load_application(session, application_id, user)
        guarantors = repo.guarantors_of(session, app.id)
        uploads = repo.uploads_of(session, app.id)
        flat = session.get(Flat, app.cadastral_number)
        view = {
            "id": app.id,
            "status": app.status,
            "applicant": {"iin": app.applicant_iin, "name": app.applicant_name},
            "flat": None
            if flat is None
            else {
                "cadastral_number": flat.cadastral_number,
                "address": flat.address,
                "price": f"{flat.price:.2f}",
            },
            "term_months": app.term_months,
            "first_due": app.first_due.isoformat(),
            "consent": {"id": app.consent_id, "status": app.consent_status},
            "state_data": app.state_data,
            "form": app.form,
            "required_uploads": required_uploads(app),
            "missing": missing_items(session, app) if app.status == Status.DRAFT else [],
            "uploads": [upload_view(u) for u in uploads],
            "guarantors": [guarantor_view(g) for g in guarantors],
            "solvency": app.solvency or None,
            "document_sha256": app.document_sha256,
            "submitted_at": app.submitted_at and aware(app.submitted_at).isoformat(),
            "review_deadline": app.review_deadline and aware(app.review_deadline).isoformat(),
            "review": app.review or None,
            "reasons": app.reasons,
            "hearing_until": app.hearing_until and aware(app.hearing_until).isoformat(),
            "objection": app.objection,
        }
        if user.has("officer", "head") or (user.bin is None and user.iin == app.applicant_iin):
            return view
        # A guarantor sees what it signs (the frozen document), not what the registers told the
        # portal about the applicant under the applicant's consent, nor the applicant's papers.
        return {
            **view,
            "state_data": None,
            "review": None,
            "reasons": None,
            "objection": None,
            "uploads": [upload_view(u) for u in uploads if u.owner_iin == user.identifier],
        }


def guarantor_view(g: Guarantor) -> dict[str, Any]:
    return {
        "id": g.id,
        "position": g.position,
        "kind": g.kind,
        "identifier": g.identifier,
        "name": g.name,
        "consent": {"id": g.consent_id, "status": g.consent_status},
        "monthly_income": None if g.monthly_income is None else f"{Decimal(g.monthly_income):.2f}",
        "ineligible": [{"code": c, "detail": d} for c, d in g.ineligible],
        "signed_at": g.signed_at and aware(g.signed_at).isoformat(),
    }


def list_applications(user: User) -> list[dict[str, Any]]:
    """All applications for officers, the user's own otherwise; newest first, at most 500."""
    with Session(get_engine()) as session:
        rows = repo.recent_applications(
            session, limit=500, applicant_iin=None if user.has("officer", "head") else user.iin
        )
        return [
            {
                "id": a.id,
                "status": a.status,
                "applicant_name": a.applicant_name,
                "review_deadline": a.review_deadline,
            }
            for a in rows
        ]


def uploaded_file(upload_id: str, user: User) -> Upload:
    """An attached document, for the housing company and for whoever attached it or applied."""
    with Session(get_engine()) as session:
        row = session.get(Upload, upload_id)
        if row is None:
            raise Problem(404, "upload.not_found", "no such document")
        app = load_application(session, row.application_id, user)
        if not user.has("officer", "head") and user.identifier not in (row.owner_iin, app.applicant_iin):
            raise Problem(404, "upload.not_found", "no such document")
        return row


def solvency(application_id: str, user: User) -> dict[str, Any]:
    """The solvency figures: frozen once finalised, computed from consent and income before."""
    with Session(get_engine()) as session:
        app = load_application(session, application_id, user)
        if app.solvency:
            return app.solvency
        if not app.state_data or not app.form.get("monthly_income"):
            raise Problem(409, "solvency.not_ready", "consent and the declared income come first")
        return assess_application(session, app)


def frozen_document(application_id: str, user: User) -> bytes:
    """The finalised application's exact bytes, which every signer signs."""
    with Session(get_engine()) as session:
        app = load_application(session, application_id, user)
        if app.document is None:
            raise Problem(409, "application.not_finalised", "the application is not finalised")
        return app.document
