"""Stages 2–3 in the pages: a registration case (state, next steps, notices with their dates,
the applicant's consent and signature, the head's signature, the fee, the video check and each
participant's join link, the registrar's decision); the housing company forming the lease's
case; a lease's payment ledger and, for the head, the release letter that opens the buyout
cases. Signing goes through NCALayer to the JSON API; the rest are forms calling the services."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from common.calendar import ALMATY
from common.problems import Problem
from portal.api.deps import optional_user
from portal.api.pages_base import act, login_redirect, page, problem_page, see_other
from portal.service import buyout, registration
from portal.service.access import require_role
from portal.service.auth import User
from portal.service.base import today

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_IN_FORCE = ("ACTIVE", "REVOCATION_DENIED")
_CLOSED = ("registered", "refused")


def _consent_artefact(case_id: str, user: User, case: dict[str, Any]) -> dict[str, Any] | None:
    """The registration consent the applicant signs, shown in full first (as in stage 1)."""
    if user.has("officer", "head") or case["state"] in _CLOSED or case["consent"]["status"] in _IN_FORCE:
        return None
    try:
        return {"document": json.loads(registration.consent_artefact(case_id, user))}
    except Problem as problem:  # the consent service is down: the rest of the page still works
        return {"problem": problem}


def _case_page(request: Request, user: User, case_id: str, problem: Problem | None = None) -> HTMLResponse:
    case = registration.registration_view(case_id, user)
    return page(
        request,
        "registration_case.html",
        user=user,
        status=problem.status if problem else 200,
        problem=problem,
        case=case,
        consent=_consent_artefact(case_id, user, case),
        staff=user.has("officer", "head"),
    )


@router.get("/registrations/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str) -> Response:
    user = optional_user(request)
    if user is None:
        return login_redirect(request)
    try:
        return _case_page(request, user, case_id)
    except Problem as problem:
        return problem_page(request, problem, user)


def _on_case(request: Request, case_id: str, action) -> Response:
    return act(
        request,
        f"/registrations/{case_id}",
        action,
        lambda user, problem: _case_page(request, user, case_id, problem),
    )


@router.post("/registrations/{case_id}/payment")
def pay(request: Request, case_id: str) -> Response:
    return _on_case(request, case_id, lambda user: registration.pay_fee(case_id, user))


def _starts_at(value: str) -> datetime | None:
    """`datetime-local` from the page is Almaty wall time; empty: the service's default."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=ALMATY)
    except ValueError:
        raise Problem(422, "video.starts_at", "the start is a date and time") from None


@router.post("/registrations/{case_id}/video")
def book_video(
    request: Request, case_id: str, starts_at: Annotated[str, Form(max_length=40)] = ""
) -> Response:
    return _on_case(
        request, case_id, lambda user: registration.schedule_video(case_id, user, _starts_at(starts_at))
    )


# ---------------------------------------------------------------- the lease: cases, ledger, letter


def _letter(lease_id: str, user: User) -> dict[str, Any] | None:
    try:
        view = buyout.letter_view(lease_id, user)
    except Problem as problem:
        if problem.code == "buyout.not_fully_paid":
            return None
        raise
    if view["signed_at"] is None and user.has("head"):
        view["document"] = json.loads(buyout.release_letter(lease_id, user))
    return view


def _ledger_page(request: Request, user: User, lease_id: str, problem: Problem | None = None) -> HTMLResponse:
    ledger = buyout.ledger(lease_id, user)
    return page(
        request,
        "ledger.html",
        user=user,
        status=problem.status if problem else 200,
        problem=problem,
        lease_id=lease_id,
        ledger=ledger,
        cases=registration.list_registrations(user, ledger["application_id"]),
        letter=_letter(lease_id, user),
        staff=user.has("officer", "head"),
        today=today().isoformat(),
    )


@router.get("/leases/{lease_id}/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, lease_id: str) -> Response:
    user = optional_user(request)
    if user is None:
        return login_redirect(request)
    try:
        return _ledger_page(request, user, lease_id)
    except Problem as problem:
        return problem_page(request, problem, user)


def _on_lease(request: Request, lease_id: str, anchor: str, action) -> Response:
    return act(
        request,
        f"/leases/{lease_id}/ledger#{anchor}",
        action,
        lambda user, problem: _ledger_page(request, user, lease_id, problem),
    )


@router.post("/leases/{lease_id}/registration")
def form_registration(request: Request, lease_id: str) -> Response:
    """The housing company forms the lease's registration application (§19), then its page."""

    def action(user: User) -> Response:
        case = registration.form_lease_registration(lease_id, user)
        return see_other(f"/registrations/{case['id']}")

    return _on_lease(request, lease_id, "cases", action)


def _amount(value: str) -> Decimal:
    try:
        amount = Decimal(value.replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except InvalidOperation:
        raise Problem(422, "payment.amount", "the amount is a number of tenge") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise Problem(422, "payment.amount", "the amount is positive, in tenge and tiyn")
    return amount


@router.post("/leases/{lease_id}/ledger/payments")
def record_payment(
    request: Request,
    lease_id: str,
    amount: Annotated[str, Form(max_length=20)] = "",
    paid_on: Annotated[str, Form(max_length=10)] = "",
    reference: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    def action(user: User) -> None:
        require_role(user, "officer", "head")
        if not reference.strip():
            raise Problem(422, "payment.reference_required", "give the bank's payment reference")
        try:
            day = date.fromisoformat(paid_on)
        except ValueError:
            raise Problem(422, "payment.paid_on", "the payment date is YYYY-MM-DD") from None
        buyout.record_payment(lease_id, user, _amount(amount), day, reference.strip())

    return _on_lease(request, lease_id, "ledger", action)
