"""Registration cases from the portal (stages 2–3): forming the lease's application, the
applicant's consent and signature, the head's signature, the fee, and the video check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from portal.api.applications import cms_der
from portal.api.deps import current_user
from portal.schemas import CmsIn, VideoIn
from portal.service import registration
from portal.service.auth import User

router = APIRouter(prefix="/v1", tags=["registration"])


@router.post(
    "/leases/{lease_id}/registration",
    status_code=201,
    summary="Officer/head: form the application to register the signed lease (§19)",
)
def form(lease_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return registration.form_lease_registration(lease_id, user)


@router.get(
    "/registrations", summary="The caller's registration cases (the applicant's cabinet; all for KZhK)"
)
def index(application_id: str | None = None, user: User = Depends(current_user)) -> list[dict[str, Any]]:
    return registration.list_registrations(user, application_id)


@router.get("/registrations/{case_id}", summary="A case: state, what is missing, notices with their dates")
def show(case_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return registration.registration_view(case_id, user)


@router.get("/registrations/{case_id}/consent/artefact", summary="Applicant: the consent form to sign")
def consent_artefact(case_id: str, user: User = Depends(current_user)) -> Response:
    return Response(registration.consent_artefact(case_id, user), media_type="application/json")


@router.post("/registrations/{case_id}/consent", summary="Applicant: consent with a CMS over the artefact")
def consent(case_id: str, body: CmsIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return registration.grant_consent(case_id, user, cms_der(body))


@router.get("/registrations/{case_id}/application", summary="The case application every party signs")
def application(case_id: str, user: User = Depends(current_user)) -> Response:
    return Response(registration.application_document(case_id, user), media_type="application/json")


@router.post(
    "/registrations/{case_id}/signatures", summary="Applicant (after consent) or head: sign the application"
)
def sign(case_id: str, body: CmsIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return registration.sign_application(case_id, user, body.cms)


@router.post("/registrations/{case_id}/payment", summary="Applicant: pay the registration fee (§22)")
def pay(case_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return registration.pay_fee(case_id, user)


@router.post("/registrations/{case_id}/video", summary="Officer/head: book the registrar's video check")
def video(case_id: str, body: VideoIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return registration.schedule_video(case_id, user, body.starts_at)


@router.post(
    "/registrations/{case_id}/video/invitation",
    summary="Applicant, spouse or KZhK's representative: the caller's own join link",
)
def invitation(case_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return registration.video_invitation(case_id, user)
