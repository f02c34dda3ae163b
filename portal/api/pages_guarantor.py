"""The guarantor's cabinet: the invitation, consent (the artefact shown, signed in NCALayer),
eligibility from the state data, the income, and the EDS signature of the application."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from common.problems import Problem
from portal.api.deps import optional_user
from portal.api.pages_base import act, login_redirect, page, problem_page
from portal.schemas import IncomeIn
from portal.service import applications, guarantors
from portal.service.auth import User

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _mine(user: User, guarantor_id: str) -> dict[str, Any]:
    for guarantee in guarantors.my_guarantees(user):
        if guarantee["id"] == guarantor_id:
            return guarantee
    raise Problem(404, "guarantor.not_found", "no such guarantee among yours")


def _guarantee_page(
    request: Request, user: User, guarantor_id: str, problem: Problem | None = None
) -> HTMLResponse:
    guarantee = _mine(user, guarantor_id)
    app = applications.application_view(guarantee["application_id"], user)
    artefact: dict[str, Any] | None = None
    if guarantee["kind"] != "employer" and guarantee["consent"]["status"] != "ACTIVE":
        try:
            artefact = {"document": json.loads(guarantors.guarantor_artefact(guarantor_id, user))}
        except Problem as unavailable:
            artefact = {"problem": unavailable}
    return page(
        request,
        "guarantee.html",
        user=user,
        status=problem.status if problem else 200,
        problem=problem,
        guarantee=guarantee,
        app=app,
        consent=artefact,
    )


@router.get("/guarantees/{guarantor_id}", response_class=HTMLResponse)
def guarantee_page(request: Request, guarantor_id: str) -> Response:
    user = optional_user(request)
    if user is None:
        return login_redirect(request)
    try:
        return _guarantee_page(request, user, guarantor_id)
    except Problem as problem:
        return problem_page(request, problem, user)


@router.post("/guarantees/{guarantor_id}/income")
def income(
    request: Request, guarantor_id: str, monthly_income: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    def action(user: User) -> None:
        try:
            body = IncomeIn(monthly_income=monthly_income.replace(" ", "").replace(",", "."))  # type: ignore[arg-type]
        except ValidationError:
            raise Problem(422, "request.invalid", "the income is a positive amount") from None
        guarantors.guarantor_income(guarantor_id, user, body.monthly_income)

    return act(
        request,
        f"/guarantees/{guarantor_id}#income",
        action,
        lambda user, problem: _guarantee_page(request, user, guarantor_id, problem),
    )
