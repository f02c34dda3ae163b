"""The housing company's review (§13–§16): the checks through the registry gateway, the
decision within 15 calendar days, a hearing before any refusal (2 working days), and the final
refusal signed by the head and recorded on the chain as `refusal.issued`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from common.calendar import add_working_days, deadline_end_of_day
from common.canonical import canonical_bytes
from common.problems import Problem
from portal import repository as repo
from portal.config import get_settings
from portal.db import get_engine
from portal.domain.states import InvalidTransition, Status, advance
from portal.models import Application, Flat, SignedDocument
from portal.service.access import load_application
from portal.service.applications import APPLICATION_PURPOSE, application_view
from portal.service.auth import User
from portal.service.base import (
    aware,
    notify,
    now,
    peer_call,
    queue_chain_append,
    registry_client,
    sha256_hex,
    today,
    transaction,
)
from portal.service.leases import create_lease
from portal.signatures import expect_company, verify_party

__all__ = [
    "REFUSAL_MEDIA_TYPE",
    "deadlines",
    "decide",
    "object_to_refusal",
    "reconsider",
    "refusal_document",
    "run_checks",
    "sign_refusal",
]

REFUSAL_MEDIA_TYPE = "application/vnd.rto.refusal+json"
_OVERDUE_DAYS = 90  # more than 90 days overdue in the last year weighs against (ARDFM practice)


def _move(app: Application, target: Status) -> None:
    try:
        app.status = advance(Status(app.status), target)
    except InvalidTransition as exc:
        raise Problem(409, "application.wrong_state", str(exc)) from None


def _check(code: str, passed: bool, detail: str) -> dict[str, Any]:
    return {"code": code, "passed": passed, "detail": detail}


def run_checks(application_id: str, user: User) -> dict[str, Any]:
    with Session(get_engine()) as session:
        app = load_application(session, application_id, user, "officer", "head")
        if app.status != Status.SUBMITTED:
            raise Problem(409, "application.wrong_state", "only a submitted application is reviewed")
        iin, consent_id = app.applicant_iin, app.consent_id or ""
        ownership = (app.state_data.get("ownership") or {}).get("records") or []
        person = app.state_data.get("person") or {}
        guarantor_ids = [g.identifier for g in repo.guarantors_of(session, app.id, by_position=False)]
    lookup = {"purpose": APPLICATION_PURPOSE, "consent_id": consent_id}
    with peer_call("the state systems"), registry_client() as registry:
        credit = registry.credit_history(iin, **lookup)
        courts = registry.court_cases(iin, **lookup)
        affiliated = registry.affiliated_with_housing_company(iin)
        listed = [x for x in [iin, *guarantor_ids] if registry.terrorism_list_hit(x)]
    open_cases = [c.number for c in courts.cases if c.status == "open" and c.role in ("defendant", "accused")]
    checks = [
        _check(
            "credit_history",
            credit.max_overdue_days <= _OVERDUE_DAYS,
            f"{credit.active_loans} active loans, longest overdue {credit.max_overdue_days} days",
        ),
        _check(
            "court_cases",
            not open_cases,
            "no open cases as defendant or accused" if not open_cases else f"open: {', '.join(open_cases)}",
        ),
        _check(
            "affiliation",
            not affiliated,
            "affiliated with the housing company" if affiliated else "not affiliated",
        ),
        _check("terrorism_list", not listed, "on the list" if listed else "no participant on the list"),
        _check(
            "questionnaire",
            not ownership and person.get("legal_capacity", "full") == "full",
            "owned real estate in the last 5 years"
            if ownership
            else "the declared facts match the state systems",
        ),
    ]
    with transaction() as session:
        app = load_application(session, application_id, user, "officer", "head")
        app.review = {
            "checks": checks,
            "passed": all(c["passed"] for c in checks),
            "by": user.iin,
            "at": now().isoformat(),
        }
    return application_view(application_id, user)


def decide(application_id: str, user: User, approve: bool, reasons: str | None) -> dict[str, Any]:
    settings = get_settings()
    with transaction() as session:
        app = load_application(session, application_id, user, "officer", "head")
        if app.status != Status.SUBMITTED:
            raise Problem(409, "application.wrong_state", f"the application is {app.status}")
        if not app.review:
            raise Problem(409, "review.checks_missing", "run the checks before deciding")
        phone = repo.phone_of(session, app.applicant_iin)
        if approve:
            if not app.review.get("passed"):
                raise Problem(
                    409, "review.checks_failed", "an application that failed a check cannot be approved"
                )
            _move(app, Status.APPROVED)
            app.decided_at = now()
            create_lease(session, app)
            notify(
                session,
                app.applicant_iin,
                "application.approved",
                "Your application is approved: see the schedules and sign the lease",
                ref=app.id,
                sms_to=phone,
            )
        else:
            if not reasons:
                raise Problem(422, "review.reasons_required", "a refusal states its reasons")
            _move(app, Status.PRELIMINARY_REFUSAL)
            app.reasons = reasons
            app.hearing_until = deadline_end_of_day(add_working_days(today(), settings.hearing_working_days))
            notify(
                session,
                app.applicant_iin,
                "application.preliminary_refusal",
                f"Preliminary refusal: {reasons}. You may respond until {app.hearing_until:%d.%m.%Y}",
                ref=app.id,
                sms_to=phone,
            )
    return application_view(application_id, user)


def object_to_refusal(application_id: str, user: User, text: str) -> dict[str, Any]:
    with transaction() as session:
        app = load_application(session, application_id, user, "applicant")
        if app.status != Status.PRELIMINARY_REFUSAL:
            raise Problem(409, "application.wrong_state", "there is no preliminary refusal to answer")
        if app.hearing_until and now() > aware(app.hearing_until):
            raise Problem(409, "hearing.closed", "the time to respond has passed")
        app.objection = text
        notify(session, "officer", "application.objection", f"The applicant answered on {app.id}", ref=app.id)
    return application_view(application_id, user)


def reconsider(application_id: str, user: User) -> dict[str, Any]:
    """The objection convinced the officer: the application returns to review."""
    with transaction() as session:
        app = load_application(session, application_id, user, "officer", "head")
        _move(app, Status.SUBMITTED)
        # A new refusal gets its own hearing: the old answer and the unsigned refusal go.
        app.review, app.reasons, app.hearing_until, app.objection = {}, None, None, None
        unsigned = repo.signed_document_of(session, app.id, "refusal")
        if unsigned is not None and unsigned.cms is None:
            session.delete(unsigned)
    return application_view(application_id, user)


def refusal_document(application_id: str, user: User) -> tuple[str, bytes]:
    """The reasoned refusal the head signs; made once, so every signer sees the same bytes."""
    with transaction() as session:
        app = load_application(session, application_id, user, "officer", "head")
        if app.status != Status.PRELIMINARY_REFUSAL:
            raise Problem(409, "application.wrong_state", "only a preliminary refusal becomes final")
        hearing_open = app.objection is None and app.hearing_until and now() <= aware(app.hearing_until)
        if hearing_open:
            raise Problem(
                409,
                "refusal.hearing_open",
                f"the applicant may respond until {aware(app.hearing_until).isoformat()}",
            )
        existing = repo.signed_document_of(session, app.id, "refusal")
        if existing is None:
            settings = get_settings()
            content = canonical_bytes(
                {
                    "type": "rent-to-own-refusal",
                    "version": 1,
                    "application_id": app.id,
                    "applicant": {"iin": app.applicant_iin, "name": app.applicant_name},
                    "issuer": {"name": settings.housing_company_name, "bin": settings.housing_company_bin},
                    "reasons": app.reasons,
                    "review": app.review.get("checks", []),
                    "hearing_until": aware(app.hearing_until).isoformat() if app.hearing_until else None,
                    "objection_sha256": sha256_hex(app.objection.encode()) if app.objection else None,
                    "decided_on": today().isoformat(),
                }
            )
            existing = SignedDocument(
                application_id=app.id, kind="refusal", content=content, sha256=sha256_hex(content)
            )
            session.add(existing)
        return existing.id, existing.content


def sign_refusal(application_id: str, user: User, cms: str) -> dict[str, Any]:
    doc_id, content = refusal_document(application_id, user)
    signed = verify_party(content, cms, expect_company())
    with transaction() as session:
        app = load_application(session, application_id, user, "head")
        _move(app, Status.REFUSED)
        flat = session.get(Flat, app.cadastral_number)
        if flat is not None and flat.reserved_by == app.id:  # back on offer for the next applicant
            flat.reserved_by = None
        doc = session.get(SignedDocument, doc_id)
        assert doc is not None
        doc.cms, doc.signed_at = signed.cms_der, now()
        app.decided_at = doc.signed_at
        queue_chain_append(
            session,
            kind="refusal.issued",
            ref={"application": app.id, "document": doc.id},
            doc_sha256=doc.sha256,
            media_type=REFUSAL_MEDIA_TYPE,
            cms_sha256=sha256_hex(signed.cms_der),
            target=("signed_document", doc.id),
        )
        phone = repo.phone_of(session, app.applicant_iin)
        notify(
            session,
            app.applicant_iin,
            "application.refused",
            f"Final refusal, signed by the housing company: {app.reasons}",
            ref=doc.id,
            sms_to=phone,
        )
    return application_view(application_id, user)


def deadlines(user: User) -> dict[str, Any]:
    """What the officers must watch: reviews and list loadings, with overdue and due-soon alerts."""
    moment = now()

    def state(deadline: datetime) -> str:
        left = aware(deadline) - moment
        return "overdue" if left.total_seconds() < 0 else "due_soon" if left.days < 2 else "ok"

    with Session(get_engine()) as session:
        apps = repo.applications_with_status(session, Status.SUBMITTED, Status.PRELIMINARY_REFUSAL)
        lists = repo.latest_lists(session, limit=50)
        reviews = [
            {
                "application_id": a.id,
                "status": a.status,
                "deadline": aware(a.review_deadline).isoformat(),
                "alert": state(a.review_deadline),
            }
            for a in apps
            if a.review_deadline
        ]
        loads = [
            {
                "list_id": lst.id,
                "akimat": lst.akimat,
                "received_on": lst.received_on.isoformat(),
                "deadline": aware(lst.load_deadline).isoformat(),
                "loaded_at": aware(lst.loaded_at).isoformat(),
                "alert": "late" if lst.loaded_late else "on_time",
            }
            for lst in lists
        ]
    return {"as_of": moment.astimezone(UTC).isoformat(), "reviews": reviews, "lists": loads}
