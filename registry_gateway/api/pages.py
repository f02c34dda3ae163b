"""The registrar's pages: the queue with its deadlines, a case with its parties, checks, signed
documents, video session, history and the decision buttons. A decision is drafted by the server,
shown to the registrar, signed with their EDS (NCALayer in the browser, or a pasted CMS) and
taken by `registrar.decide` exactly as the service API takes it. Every page and action needs the
registrar's EDS session (`login_pages`); the service-JWT API in `cases.py` stays for services."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from common.problems import Problem
from registry_gateway import registrar, service
from registry_gateway.api import login_pages
from registry_gateway.api.login_pages import html_page, login_redirect, registrar_iin
from registry_gateway.domain.deadline import alert_level
from registry_gateway.domain.states import TERMINAL
from registry_gateway.schemas import CaseAction, DraftRequest
from registry_gateway.signatures import validate
from registry_gateway.views import aware

__all__ = ["router"]

router = APIRouter(prefix="/registrar", include_in_schema=False)
router.include_router(login_pages.router)
# A mount does not take the router's prefix: give it the whole path.
router.mount(
    "/registrar/static", StaticFiles(directory=Path(__file__).parent.parent / "static"), name="rg_static"
)

_CHECKABLE = ("awaiting_signatures", "awaiting_payment", "awaiting_video", "checking")
# A suspended case waits for the applicant, not the registrar: its deadline is not highlighted.
_NOT_WAITING = TERMINAL | {"suspended"}
_MAX_REQUESTED_DOCUMENTS = 20


def _alert(deadline: datetime | None, state: str, now: datetime) -> str | None:
    return alert_level(deadline, now) if deadline and state not in _NOT_WAITING else None


def _case_url(case_id: str) -> str:
    return f"/registrar/cases/{case_id}"


# ---------------------------------------------------------------- reading


@router.get("", response_class=HTMLResponse)
def queue(request: Request, state: str = "open") -> Response:
    if registrar_iin(request) is None:
        return login_redirect(request)
    now = datetime.now(UTC)
    cases = service.cases(state if state not in ("open", "all") else None)
    if state == "open":
        cases = [c for c in cases if c.state not in TERMINAL]
    rows = [
        {
            "case": c,
            "deadline": aware(c.deadline),
            "alert": _alert(aware(c.deadline), c.state, now),
        }
        for c in cases
    ]
    return html_page(request, "queue.html", rows=rows, state=state)


def _case_page(request: Request, case_id: str, *, problem: Problem | None = None) -> HTMLResponse:
    view, run = service.case_for_registrar(case_id)
    now = datetime.now(UTC)
    video_check = next((c for c in view.checks if c.code == "video_positive"), None)
    return html_page(
        request,
        "case.html",
        status=problem.status if problem else 200,
        here=_case_url(case_id),
        case=view,
        run=run,
        reports=service.signature_reports(case_id),
        alert=_alert(view.deadline, view.state, now),
        video_outcome=video_check.evidence if video_check else None,
        can_check=view.state in _CHECKABLE,
        can_decide=view.state == "checking",
        can_refuse=view.state in ("checking", "suspended"),
        can_resume=view.state == "suspended",
        problem=problem,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str) -> Response:
    if registrar_iin(request) is None:
        return login_redirect(request)
    try:
        return _case_page(request, case_id)
    except Problem as problem:
        return html_page(request, "message.html", status=problem.status, problem=problem)


# ---------------------------------------------------------------- acting


def _act(request: Request, case_id: str, action: Callable[[str], object]) -> Response:
    """Run a page action as the logged-in registrar; back to the case page, or the case page
    again with the problem shown."""
    iin = registrar_iin(request)
    if iin is None:
        return RedirectResponse(f"/registrar/login?next={_case_url(case_id)}", status_code=303)
    try:
        result = action(iin)
    except Problem as problem:
        try:
            return _case_page(request, case_id, problem=problem)
        except Problem as missing:
            return html_page(request, "message.html", status=missing.status, problem=missing)
    return result if isinstance(result, Response) else RedirectResponse(_case_url(case_id), status_code=303)


@router.post("/cases/{case_id}/checks")
def run_checks(request: Request, case_id: str) -> Response:
    return _act(request, case_id, lambda iin: registrar.run_checks(case_id, f"registrar:{iin}"))


@router.post("/cases/{case_id}/resume")
def resume(request: Request, case_id: str, reason: Annotated[str, Form(max_length=1000)] = "") -> Response:
    def act(iin: str) -> None:
        if not reason.strip():
            raise Problem(422, "registrar.reason_required", "State why the case resumes")
        registrar.resume(case_id, [], reason.strip(), f"registrar:{iin}")

    return _act(request, case_id, act)


@router.post("/cases/{case_id}/video")
def join_video(request: Request, case_id: str) -> Response:
    """The registrar's own invitation to the case's video room (videoconf's EDS login follows)."""

    def act(iin: str) -> Response:
        invitation = service.video_invitation(case_id, iin)
        return RedirectResponse(str(invitation["join_url"]), status_code=303)

    return _act(request, case_id, act)


@router.post("/cases/{case_id}/decisions/{action}/draft", response_class=HTMLResponse)
def draft(
    request: Request,
    case_id: str,
    action: CaseAction,
    ground_code: Annotated[str, Form(max_length=60)] = "",
    reasons: Annotated[str, Form(max_length=4000)] = "",
    documents_requested: Annotated[str, Form(max_length=4000)] = "",
    term_days: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """The server's decision document, shown to the registrar before they sign it."""

    def act(iin: str) -> Response:
        try:
            form = DraftRequest(
                ground_code=ground_code or None,
                reasons=reasons.strip() or None,
                documents_requested=[d.strip() for d in documents_requested.splitlines() if d.strip()][
                    :_MAX_REQUESTED_DOCUMENTS
                ],
                term_days=int(term_days) if term_days.strip() else None,
            )
        except (ValidationError, ValueError):
            raise Problem(
                422, "registrar.term_invalid", "The term is a whole number of days, 1 to 90"
            ) from None
        drafted = registrar.decision_draft(
            case_id,
            action.value,
            form.ground_code,
            form.reasons,
            list(form.documents_requested),
            form.term_days,
        )
        document = json.loads(base64.b64decode(drafted.document_b64))
        return html_page(
            request, "sign.html", here=_case_url(case_id), case_id=case_id, draft=drafted, document=document
        )

    return _act(request, case_id, act)


def _require_own_signature(iin: str, document_b64: str, cms_b64: str) -> None:
    """A decision taken from the pages is signed by the registrar who is logged in (the service
    API checks only that some registrar signed it)."""
    document = service.decode_b64(document_b64, "the decision document")
    reports = validate(service.decode_b64(cms_b64, "the decision CMS"), document)
    if not any(r.signer is not None and r.signer.iin == iin for r in reports):
        raise Problem(403, "registrar.not_own_signature", "The decision is not signed with your EDS")


@router.post("/cases/{case_id}/decisions/{action}")
def decide(
    request: Request,
    case_id: str,
    action: CaseAction,
    document_b64: Annotated[str, Form(max_length=200_000)],
    cms_b64: Annotated[str, Form(max_length=200_000)] = "",
) -> Response:
    """Take the signed decision: the CMS from NCALayer, or pasted (base64, PEM armour allowed)."""

    def act(iin: str) -> None:
        cms = "".join("".join(line for line in cms_b64.splitlines() if not line.startswith("-----")).split())
        if not cms:
            raise Problem(422, "registrar.cms_required", "Sign the decision, or paste the signed CMS")
        _require_own_signature(iin, document_b64, cms)
        registrar.decide(case_id, action.value, document_b64, cms)

    return _act(request, case_id, act)
