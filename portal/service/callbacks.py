"""Status callbacks from the consent service and the registry gateway, applied once each:
the Idempotency-Key (the sender's outbox message id) is stored with the change it made."""

from __future__ import annotations

from typing import Any

from common.problems import Problem
from portal import repository as repo
from portal.models import CallbackReceipt, RegistrationCase
from portal.service.base import now, transaction
from portal.service.registration import apply_case_status

__all__ = ["apply_consent_status", "apply_registration_status"]


def _first_time(session: Any, key: str, source: str) -> bool:
    if session.get(CallbackReceipt, key) is not None:
        return False
    session.add(CallbackReceipt(key=key, source=source))
    return True


def apply_consent_status(key: str, consent_id: str, status: str) -> dict[str, Any]:
    with transaction() as session:
        if not _first_time(session, key, "consent"):
            return {"applied": False, "duplicate": True}
        apps = repo.applications_by_consent(session, consent_id)
        guarantors = repo.guarantors_by_consent(session, consent_id)
        for row in [*apps, *guarantors]:
            row.consent_status = status
        for case in repo.cases_by_consent(session, consent_id):
            case.consent_status, case.updated_at = status, now()
        return {"applied": bool(apps or guarantors), "duplicate": False}


def apply_registration_status(key: str, payload: dict[str, Any]) -> dict[str, Any]:
    case_id = str(payload.get("case_id") or "")
    state = str(payload.get("state") or "")
    if not case_id or not state:
        raise Problem(422, "callback.invalid", "case_id and state are required")
    with transaction() as session:
        if not _first_time(session, key, "registry_gateway"):
            return {"applied": False, "duplicate": True}
        case = session.get(RegistrationCase, case_id)
        if case is None:
            return {"applied": False, "duplicate": False}
        apply_case_status(session, case, {**payload, "state": state})
        return {"applied": True, "duplicate": False}
