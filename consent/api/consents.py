"""`/v1/consents`: requesting, granting, withdrawing, checking and logging uses (service JWT)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response, status

from common.problems import Problem
from consent.api.deps import caller, consents, verifier
from consent.schemas import (
    CheckResult,
    CmsGrant,
    ConsentRequest,
    ConsentView,
    OtpGrant,
    OtpSent,
    Purpose,
    Reason,
    RevocationDecision,
    SubjectLink,
    UseRequest,
    UseView,
)
from consent.service import Actor, ConsentService
from consent.signatures import SubjectSignatureVerifier

__all__ = ["router"]

router = APIRouter(prefix="/v1/consents", tags=["consents"])

Caller = Annotated[str, Depends(caller)]
Service = Annotated[ConsentService, Depends(consents)]
_MAX_CMS_BYTES = 64 * 1024


@router.post("", response_model=ConsentView, summary="Ask the subject for consent (PENDING artefact)")
def request_consent(body: ConsentRequest, response: Response, who: Caller, svc: Service) -> ConsentView:
    view, created = svc.request(body, who)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return view


@router.get("", response_model=list[ConsentView], summary="A subject's consents")
def list_for_subject(
    who: Caller, svc: Service, subject: Annotated[str, Query(pattern=r"^[0-9]{12}$")]
) -> list[ConsentView]:
    return svc.list_for_subject(subject, viewer=who)


@router.get("/check", response_model=CheckResult, summary="May this service use the subject's data now?")
def check(
    who: Caller,
    svc: Service,
    subject: Annotated[str, Query(pattern=r"^[0-9]{12}$")],
    purpose: Purpose,
    requester: Annotated[str, Query(min_length=1, max_length=50)],
) -> CheckResult:
    return svc.check(subject, purpose.value, requester)


@router.get("/{consent_id}", response_model=ConsentView)
def get_consent(consent_id: str, who: Caller, svc: Service) -> ConsentView:
    svc.authorise(consent_id, who)
    return svc.get(consent_id)


@router.get(
    "/{consent_id}/artefact",
    response_class=Response,
    summary="The exact canonical JSON (RFC 8785) the subject signs",
    responses={200: {"content": {"application/json": {}}}},
)
def artefact(consent_id: str, who: Caller, svc: Service) -> Response:
    svc.authorise(consent_id, who)
    return Response(svc.artefact_bytes(consent_id), media_type="application/json")


@router.get("/{consent_id}/receipt", summary="The consent receipt (JSON, IIN masked)")
def receipt(consent_id: str, who: Caller, svc: Service) -> dict[str, Any]:
    svc.authorise(consent_id, who)
    return svc.receipt(consent_id)


@router.post("/{consent_id}/grant/cms", response_model=ConsentView, summary="Grant with the subject's EDS")
def grant_with_cms(
    consent_id: str,
    body: CmsGrant,
    who: Caller,
    svc: Service,
    signatures: Annotated[SubjectSignatureVerifier, Depends(verifier)],
) -> ConsentView:
    svc.authorise(consent_id, who, for_subject=True)
    try:
        cms_der = base64.b64decode(body.cms_base64, validate=True)
    except (binascii.Error, ValueError):
        raise Problem(422, "consent.cms_unreadable", "cms_base64 is not base64") from None
    if len(cms_der) > _MAX_CMS_BYTES:
        raise Problem(413, "consent.cms_too_large", "A consent signature is a few kilobytes")
    return svc.grant_with_cms(consent_id, cms_der, signatures)


@router.post("/{consent_id}/otp", response_model=OtpSent, summary="Send a one-time code to the subject")
def send_otp(consent_id: str, who: Caller, svc: Service) -> OtpSent:
    svc.authorise(consent_id, who, for_subject=True)
    return svc.send_otp(consent_id)


@router.post("/{consent_id}/grant/otp", response_model=ConsentView, summary="Grant with the one-time code")
def grant_with_otp(consent_id: str, body: OtpGrant, who: Caller, svc: Service) -> ConsentView:
    svc.authorise(consent_id, who, for_subject=True)
    return svc.grant_with_otp(consent_id, body.code)


@router.post("/{consent_id}/reject", response_model=ConsentView, summary="The subject refuses")
def reject(consent_id: str, body: Reason, who: Caller, svc: Service) -> ConsentView:
    svc.authorise(consent_id, who, for_subject=True)
    return svc.reject(consent_id, body.reason, Actor("subject", f"api:{who}"))


@router.post("/{consent_id}/revocation", response_model=ConsentView, summary="The subject asks to withdraw")
def request_revocation(consent_id: str, body: Reason, who: Caller, svc: Service) -> ConsentView:
    svc.authorise(consent_id, who, for_subject=True)
    return svc.request_revocation(consent_id, body.reason, Actor("subject", f"api:{who}"))


@router.post(
    "/{consent_id}/revocation/decision",
    response_model=ConsentView,
    summary="The controller accepts or denies the withdrawal (law art. 8(2))",
)
def decide_revocation(consent_id: str, body: RevocationDecision, who: Caller, svc: Service) -> ConsentView:
    return svc.decide_revocation(consent_id, body.accept, body.reason, who)


@router.post(
    "/{consent_id}/uses",
    response_model=UseView,
    summary="Declare a use of the subject's data; 403 unless the consent covers it",
)
def record_use(
    consent_id: str,
    body: UseRequest,
    response: Response,
    who: Caller,
    svc: Service,
    idempotency_key: Annotated[str | None, Header(max_length=64)] = None,
) -> UseView:
    view, created = svc.record_use(consent_id, body, who, idempotency_key)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return view


@router.get("/{consent_id}/uses", response_model=list[UseView], summary="Who used the data and when")
def uses(consent_id: str, who: Caller, svc: Service) -> list[UseView]:
    svc.authorise(consent_id, who)
    return svc.uses(consent_id)


@router.post("/{consent_id}/link", response_model=SubjectLink, summary="A signed link to the subject's page")
def subject_link(consent_id: str, who: Caller, svc: Service) -> SubjectLink:
    svc.authorise(consent_id, who, for_subject=True)
    return svc.subject_link(consent_id)
