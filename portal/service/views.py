"""Read models of the portal's pages: what a cabinet shows beyond the API's own views.
Reads only — every change goes through the service functions the API uses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session

from common.problems import Problem
from portal import repository as repo
from portal.db import get_engine
from portal.domain.states import Status
from portal.models import AkimatList, Lease
from portal.service.access import load_application
from portal.service.assessment import assess_application
from portal.service.auth import User
from portal.service.base import aware, now

__all__ = [
    "akimat_list",
    "application_id_of",
    "applications_for_staff",
    "available_flats",
    "head_queue",
    "invitation",
    "lease_content",
    "lease_id_by_sha256",
    "lease_id_of",
    "notices",
    "registration_cases",
    "solvency_preview",
]


def invitation(iin: str) -> dict[str, Any] | None:
    """The person's invitation from an akimat list: when it was sent and until when to apply."""
    with Session(get_engine()) as session:
        account = repo.account_by_iin(session, iin)
        if account is None:
            return None
        apply_by = aware(account.apply_by)
        return {
            "category": account.category,
            "invited_at": aware(account.invited_at),
            "apply_by": apply_by,
            "expired": now() > apply_by,
            "days_left": max(0, (apply_by - now()).days),
        }


def available_flats() -> list[dict[str, Any]]:
    with Session(get_engine()) as session:
        flats = repo.flats(session, unreserved_only=True)
        return [
            {
                "cadastral_number": f.cadastral_number,
                "address": f.address,
                "rooms": f.rooms,
                "total_area": f.total_area,
                "price": f"{Decimal(f.price):.2f}",
            }
            for f in flats
        ]


def application_id_of(iin: str) -> str | None:
    with Session(get_engine()) as session:
        return repo.application_id_of(session, iin)


def lease_id_of(application_id: str) -> str | None:
    with Session(get_engine()) as session:
        return repo.lease_id_of(session, application_id)


def lease_content(lease_id: str, user: User) -> bytes:
    """The lease's exact bytes, for its participants."""
    with Session(get_engine()) as session:
        lease = session.get(Lease, lease_id)
        if lease is None:
            raise Problem(404, "lease.not_found", "no such lease")
        load_application(session, lease.application_id, user)
        return lease.content


def lease_id_by_sha256(sha256: str) -> str | None:
    with Session(get_engine()) as session:
        return repo.lease_id_by_sha256(session, sha256)


def notices(user: User) -> list[dict[str, Any]]:
    """The cabinet's notices (and the officers' shared ones), newest first, at most 100: the
    cabinet page and `GET /v1/me` both list these."""
    recipients = [user.identifier] + (["officer"] if user.has("officer") else [])
    with Session(get_engine()) as session:
        rows = repo.latest_notices(session, recipients, limit=100)
        return [
            {
                "id": n.id,
                "kind": n.kind,
                "text": n.text,
                "ref": n.ref,
                "sent_at": aware(n.created_at),
                "read_at": n.read_at and aware(n.read_at),
            }
            for n in rows
        ]


def registration_cases(application_id: str) -> list[dict[str, Any]]:
    with Session(get_engine()) as session:
        rows = repo.cases_of(session, application_id)
        return [
            {"id": c.id, "kind": c.kind, "state": c.state, "updated_at": aware(c.updated_at)} for c in rows
        ]


def solvency_preview(application_id: str, user: User) -> dict[str, Any] | None:
    """The frozen figures once finalised, else the figures as they stand (None before the
    consent and the declared income), as `GET …/solvency` gives them."""
    with Session(get_engine()) as session:
        app = load_application(session, application_id, user)
        if app.solvency:
            return app.solvency
        if not app.state_data or not app.form.get("monthly_income"):
            return None
        return assess_application(session, app)


def applications_for_staff() -> list[dict[str, Any]]:
    with Session(get_engine()) as session:
        rows = repo.recent_applications(session, limit=500)
        return [
            {
                "id": a.id,
                "status": a.status,
                "applicant_name": a.applicant_name,
                "created_at": aware(a.created_at),
                "review_deadline": a.review_deadline and aware(a.review_deadline),
            }
            for a in rows
        ]


def head_queue() -> dict[str, list[dict[str, Any]]]:
    """What waits for the head: leases every other party has signed, and preliminary refusals
    whose hearing is over (answered, or its time passed) — the final refusal is theirs to sign."""
    moment = now()
    with Session(get_engine()) as session:
        leases = repo.unsigned_leases(session)
        waiting = [
            {"lease_id": lease.id, "application_id": lease.application_id, "sha256": lease.sha256}
            for lease in leases
            if lease.signatures == len(lease.parties) - 1
        ]
        refusals = repo.applications_with_status(session, Status.PRELIMINARY_REFUSAL)
        signed_refusals = repo.applications_with_signed_document(session, "refusal")
        ready = [
            {
                "application_id": a.id,
                "applicant_name": a.applicant_name,
                "reasons": a.reasons,
                "objection": a.objection,
            }
            for a in refusals
            if a.id not in signed_refusals
            and (a.objection is not None or (a.hearing_until and moment > aware(a.hearing_until)))
        ]
    return {"leases": waiting, "refusals": ready}


def akimat_list(list_id: str) -> dict[str, Any] | None:
    with Session(get_engine()) as session:
        row = session.get(AkimatList, list_id)
        if row is None:
            return None
        return {
            "list_id": row.id,
            "akimat": row.akimat,
            "received_on": row.received_on.isoformat(),
            "load_deadline": aware(row.load_deadline).isoformat(),
            "loaded_late": row.loaded_late,
            "rows_total": row.rows_total,
            "rows_loaded": row.rows_loaded,
            "errors": row.errors,
        }
