"""Who may see and act on an application: its applicant, its guarantors, the housing company."""

from __future__ import annotations

from sqlmodel import Session

from common.problems import Problem
from portal import repository as repo
from portal.models import Application
from portal.service.auth import User

__all__ = ["load_application", "require_role"]


def require_role(user: User, *roles: str) -> None:
    if not user.has(*roles):
        raise Problem(403, "auth.forbidden", f"this needs one of the roles: {', '.join(roles)}")


def load_application(session: Session, application_id: str, user: User, *roles: str) -> Application:
    """The application if `user` takes part in it in one of `roles` (any role when none given).

    A stranger gets 404, not 403, so application ids reveal nothing.
    """
    app = session.get(Application, application_id)
    allowed = set(roles) or {"applicant", "guarantor", "officer", "head"}
    if app is not None:
        if allowed & {"officer", "head"} & user.roles:
            return app
        if "applicant" in allowed and user.bin is None and app.applicant_iin == user.iin:
            return app
        guarantor = user.guarantor_identifier
        if "guarantor" in allowed and guarantor and repo.is_guarantor_of(session, app.id, guarantor):
            return app
    raise Problem(404, "application.not_found", "no such application among yours")
