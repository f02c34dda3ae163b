"""The housing company's pages: the akimat list upload with its per-row error report, the
applications with their review deadlines and alerts, the review checks and the decision, the
refusal flow; the head's queue of leases and final refusals to sign."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from common.problems import Problem
from portal.api.deps import optional_user
from portal.api.pages_base import act, login_redirect, page, problem_page, see_other
from portal.service import applications, intake, review, views
from portal.service.access import require_role
from portal.service.auth import User
from portal.service.base import today

__all__ = ["router"]

router = APIRouter(prefix="/officer", include_in_schema=False)

_MAX_LIST = 5 * 1024 * 1024


def _staff(request: Request) -> User | Response:
    user = optional_user(request)
    if user is None:
        return login_redirect(request)
    if not user.has("officer", "head"):
        return problem_page(request, Problem(403, "auth.forbidden", "for the housing company's staff"), user)
    return user


def _dashboard(request: Request, user: User, problem: Problem | None = None) -> HTMLResponse:
    deadlines = review.deadlines(user)
    alerts = {r["application_id"]: r for r in deadlines["reviews"]}
    return page(
        request,
        "officer.html",
        user=user,
        status=problem.status if problem else 200,
        problem=problem,
        applications=views.applications_for_staff(),
        alerts=alerts,
        lists=deadlines["lists"],
        head=views.head_queue() if user.has("head") else None,
        today=today().isoformat(),
    )


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    user = _staff(request)
    return user if isinstance(user, Response) else _dashboard(request, user)


@router.post("/lists")
async def upload_list(
    request: Request,
    akimat: Annotated[str, Form(max_length=200)] = "",
    received_on: Annotated[str, Form(max_length=10)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    data = await file.read(_MAX_LIST + 1) if file is not None else b""
    name = (file.filename or "").lower() if file is not None else ""

    def action(user: User) -> Response:
        require_role(user, "officer")
        if not akimat.strip():
            raise Problem(422, "list.akimat_required", "name the akimat that sent the list")
        if not data:
            raise Problem(422, "list.file_required", "choose the list's file (CSV or JSON)")
        if len(data) > _MAX_LIST:
            raise Problem(413, "list.too_large", "a list is at most 5 MB")
        try:
            received = date.fromisoformat(received_on) if received_on else None
        except ValueError:
            raise Problem(422, "list.received_on", "the date of receipt is YYYY-MM-DD") from None
        media_type = "application/json" if name.endswith(".json") else "text/csv"
        loaded = intake.load_list(
            officer_iin=user.iin,
            data=data,
            media_type=media_type,
            akimat=akimat.strip(),
            received_on=received,
        )
        return see_other(f"/officer/lists/{loaded['list_id']}")

    return act(request, "/officer", action, lambda user, problem: _dashboard(request, user, problem))


@router.get("/lists/{list_id}", response_class=HTMLResponse)
def list_report(request: Request, list_id: str) -> Response:
    user = _staff(request)
    if isinstance(user, Response):
        return user
    report = views.akimat_list(list_id)
    if report is None:
        return problem_page(request, Problem(404, "list.not_found", "no such list"), user)
    return page(request, "list_report.html", user=user, report=report)


def _review_page(
    request: Request, user: User, application_id: str, problem: Problem | None = None
) -> HTMLResponse:
    require_role(user, "officer", "head")
    view = applications.application_view(application_id, user)
    alert = next(
        (r for r in review.deadlines(user)["reviews"] if r["application_id"] == application_id), None
    )
    refusal_ready = any(r["application_id"] == application_id for r in views.head_queue()["refusals"])
    return page(
        request,
        "review.html",
        user=user,
        status=problem.status if problem else 200,
        problem=problem,
        app=view,
        alert=alert,
        solvency=views.solvency_preview(application_id, user),
        lease_id=views.lease_id_of(application_id),
        refusal_ready=refusal_ready,
    )


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def review_page(request: Request, application_id: str) -> Response:
    user = _staff(request)
    if isinstance(user, Response):
        return user
    try:
        return _review_page(request, user, application_id)
    except Problem as problem:
        return problem_page(request, problem, user)


def _on_review(request: Request, application_id: str, action) -> Response:
    return act(
        request,
        f"/officer/applications/{application_id}",
        action,
        lambda user, problem: _review_page(request, user, application_id, problem),
    )


@router.post("/applications/{application_id}/checks")
def checks(request: Request, application_id: str) -> Response:
    return _on_review(request, application_id, lambda user: review.run_checks(application_id, user))


@router.post("/applications/{application_id}/decision")
def decision(
    request: Request,
    application_id: str,
    outcome: Annotated[str, Form(max_length=10)] = "",
    reasons: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    def action(user: User) -> None:
        if outcome not in ("approve", "refuse"):
            raise Problem(422, "decision.outcome", "choose to approve or to refuse")
        if outcome == "refuse" and not reasons.strip():
            raise Problem(422, "decision.reasons_required", "a refusal states its reasons")
        review.decide(application_id, user, outcome == "approve", reasons.strip() or None)

    return _on_review(request, application_id, action)


@router.post("/applications/{application_id}/reconsider")
def reconsider(request: Request, application_id: str) -> Response:
    return _on_review(request, application_id, lambda user: review.reconsider(application_id, user))
