"""The applicant's cabinet: the invitation and its deadline, the application (consent, the form
filled from the state systems, uploads, guarantors, solvency explained, signing), the hearing
after a preliminary refusal, the schedules, the lease, notices and the registration status."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from common.problems import Problem
from portal.api.deps import optional_user
from portal.api.pages_base import act, login_redirect, page, problem_page, see_other
from portal.config import get_settings
from portal.domain.states import Status
from portal.rendering import qr_svg
from portal.schemas import FormIn, GuarantorIn, NewApplicationIn
from portal.service import applications, guarantors, leases, review, views
from portal.service.auth import User

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_SCHEDULED = {Status.APPROVED, Status.LEASE_SIGNED, Status.REGISTRATION, Status.REGISTERED, Status.BOUGHT_OUT}


def _invalid(exc: ValidationError) -> Problem:
    fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
    return Problem(422, "request.invalid", f"check the fields: {fields}", fields=fields)


@router.get("/cabinet", response_class=HTMLResponse)
def cabinet(request: Request) -> Response:
    user = optional_user(request)
    if user is None:
        return login_redirect(request)
    return _cabinet(request, user)


def _cabinet(request: Request, user: User, problem: Problem | None = None) -> HTMLResponse:
    application_id = views.application_id_of(user.iin) if user.bin is None else None
    return page(
        request,
        "cabinet.html",
        user=user,
        status=problem.status if problem else 200,
        problem=problem,
        invitation=views.invitation(user.iin) if user.bin is None else None,
        application=applications.application_view(application_id, user) if application_id else None,
        flats=views.available_flats() if application_id is None else [],
        guarantees=guarantors.my_guarantees(user) if user.has("guarantor") else [],
        notices=views.notices(user),
        max_term=get_settings().max_term_months,
    )


@router.post("/cabinet/apply")
def apply(
    request: Request,
    cadastral_number: Annotated[str, Form(max_length=40)] = "",
    term_months: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    def action(user: User) -> Response:
        try:
            body = NewApplicationIn(cadastral_number=cadastral_number, term_months=term_months)  # type: ignore[arg-type]
        except ValidationError as exc:
            raise _invalid(exc) from None
        created = applications.create_application(user, body.cadastral_number, body.term_months)
        return see_other(f"/applications/{created['id']}")

    return act(request, "/cabinet", action, lambda user, problem: _cabinet(request, user, problem))


# ---------------------------------------------------------------- the application


def _consent_artefact(application_id: str, user: User, view: dict[str, Any]) -> dict[str, Any] | None:
    """The consent the applicant is asked to sign, shown in full before they sign it."""
    if view["status"] != Status.DRAFT or view["consent"]["status"] in ("ACTIVE", "REVOCATION_DENIED"):
        return None
    try:
        return {"document": json.loads(applications.consent_artefact(application_id, user))}
    except Problem as problem:  # the consent service is down: the rest of the page still works
        return {"problem": problem}


def _application_page(
    request: Request, user: User, application_id: str, problem: Problem | None = None
) -> HTMLResponse:
    view = applications.application_view(application_id, user)
    if view["applicant"]["iin"] != user.iin or user.bin is not None:
        raise Problem(404, "application.not_found", "no such application among yours")
    status = Status(view["status"])
    return page(
        request,
        "application.html",
        user=user,
        status=problem.status if problem else 200,
        problem=problem,
        app=view,
        consent=_consent_artefact(application_id, user, view),
        solvency=views.solvency_preview(application_id, user),
        schedule=leases.schedules(application_id, user) if status in _SCHEDULED else None,
        lease_id=views.lease_id_of(application_id),
        cases=views.registration_cases(application_id),
        upload_types=applications.UPLOAD_TYPES,
        settings=get_settings(),
    )


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def application_page(request: Request, application_id: str) -> Response:
    user = optional_user(request)
    if user is None:
        return login_redirect(request)
    try:
        return _application_page(request, user, application_id)
    except Problem as problem:
        return problem_page(request, problem, user)


def _on_application(request: Request, application_id: str, anchor: str, action) -> Response:
    return act(
        request,
        f"/applications/{application_id}#{anchor}",
        action,
        lambda user, problem: _application_page(request, user, application_id, problem),
    )


@router.post("/applications/{application_id}/form")
def save_form(
    request: Request,
    application_id: str,
    employer: Annotated[str, Form(max_length=200)] = "",
    position: Annotated[str, Form(max_length=200)] = "",
    service_months: Annotated[str, Form(max_length=4)] = "",
    monthly_income: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    def action(user: User) -> None:
        raw = {
            "employer": employer.strip() or None,
            "position": position.strip() or None,
            "service_months": service_months.strip() or None,
            "monthly_income": monthly_income.replace(" ", "").replace(",", ".") or None,
        }
        try:
            values = FormIn.model_validate(raw).model_dump(exclude_none=True, mode="json")
        except ValidationError as exc:
            raise _invalid(exc) from None
        applications.update_form(application_id, user, values)

    return _on_application(request, application_id, "form", action)


@router.post("/applications/{application_id}/uploads")
async def upload(
    request: Request,
    application_id: str,
    doc_type: Annotated[str, Form(max_length=40)],
    file: Annotated[UploadFile, File()],
) -> Response:
    data = await file.read(get_settings().upload_max_bytes + 1)

    def action(user: User) -> None:
        applications.add_upload(
            application_id,
            user,
            doc_type=doc_type,
            filename=file.filename or "document",
            media_type=file.content_type or "application/octet-stream",
            data=data,
        )

    return _on_application(request, application_id, "uploads", action)


@router.post("/applications/{application_id}/guarantors")
def invite(
    request: Request,
    application_id: str,
    kind: Annotated[str, Form(max_length=20)] = "individual",
    identifier: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    def action(user: User) -> None:
        try:
            body = GuarantorIn(kind=kind, identifier=identifier.strip())
        except ValidationError as exc:
            raise _invalid(exc) from None
        guarantors.invite_guarantor(application_id, user, body.kind, body.identifier)

    return _on_application(request, application_id, "guarantors", action)


@router.post("/applications/{application_id}/finalise")
def finalise(request: Request, application_id: str) -> Response:
    return _on_application(
        request, application_id, "sign", lambda user: applications.finalise(application_id, user)
    )


@router.post("/applications/{application_id}/objection")
def objection(
    request: Request, application_id: str, text: Annotated[str, Form(max_length=4000)] = ""
) -> Response:
    def action(user: User) -> None:
        if not text.strip():
            raise Problem(422, "objection.empty", "write your answer")
        review.object_to_refusal(application_id, user, text.strip())

    return _on_application(request, application_id, "status", action)


# ---------------------------------------------------------------- the lease


@router.get("/leases/{lease_id}", response_class=HTMLResponse)
def lease_page(request: Request, lease_id: str) -> Response:
    """The lease for reading, who has signed, and the sign button for whoever is next."""
    user = optional_user(request)
    if user is None:
        return login_redirect(request)
    try:
        view = leases.lease_view(lease_id, user)
        content = views.lease_content(lease_id, user)
    except Problem as problem:
        return problem_page(request, problem, user)
    following = view["next"]
    mine = following is not None and (
        (following["role"] == "head" and user.has("head"))
        or (following["role"] != "head" and (following.get("bin") or following.get("iin")) == user.identifier)
    )
    return page(
        request,
        "lease_page.html",
        user=user,
        lease=view,
        doc=json.loads(content),
        sha256=view["sha256"],
        verify_url=view["verify_url"],
        qr=qr_svg(view["verify_url"]),
        my_turn=mine,
    )
