"""Schedules, the lease document, its signatures, its receipt, and its QR code."""

from __future__ import annotations

import io
from typing import Any

import segno
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from common.problems import Problem
from portal.api.deps import current_user
from portal.domain.lease import LEASE_MEDIA_TYPE
from portal.rendering import render_lease_html
from portal.schemas import CmsIn
from portal.service import leases
from portal.service.auth import User

router = APIRouter(prefix="/v1", tags=["leases"])


@router.get("/applications/{application_id}/schedule", summary="Payment and property-tax schedules")
def schedule(application_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return leases.schedules(application_id, user)


@router.get("/applications/{application_id}/lease", summary="The lease of an approved application")
def lease_of(application_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return leases.lease_view(leases.lease_id_for(application_id, user), user)


@router.get("/leases/{lease_id}", summary="Parties, signatures so far, who signs next")
def show(lease_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return leases.lease_view(lease_id, user)


@router.get("/leases/{lease_id}/document", summary="The exact bytes every party signs (canonical JSON)")
def document(lease_id: str, user: User = Depends(current_user)) -> Response:
    return Response(leases.lease_for_user(lease_id, user).content, media_type=LEASE_MEDIA_TYPE)


@router.get("/leases/{lease_id}/html", response_class=HTMLResponse, summary="The lease rendered for reading")
def html(lease_id: str, user: User = Depends(current_user)) -> HTMLResponse:
    lease = leases.lease_for_user(lease_id, user)
    return HTMLResponse(render_lease_html(lease.content, leases.verify_url(lease.sha256, lease.chain_index)))


@router.get("/leases/{lease_id}/cms", summary="The merged CMS of every party (DER)")
def cms(lease_id: str, user: User = Depends(current_user)) -> Response:
    lease = leases.lease_for_user(lease_id, user)
    if lease.cms is None:
        raise Problem(409, "lease.not_signed", "not every party has signed yet")
    return Response(lease.cms, media_type="application/pkcs7-signature")


@router.get("/leases/{lease_id}/qr.svg", summary="QR code: the lease's hash and chain index")
def qr(lease_id: str, user: User = Depends(current_user)) -> Response:
    lease = leases.lease_for_user(lease_id, user)
    buffer = io.BytesIO()
    segno.make(leases.verify_url(lease.sha256, lease.chain_index), error="m").save(
        buffer, kind="svg", scale=4
    )
    return Response(buffer.getvalue(), media_type="image/svg+xml")


@router.post("/leases/{lease_id}/signatures", summary="Sign the lease: applicant → guarantors → head")
def sign(lease_id: str, body: CmsIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return leases.sign_lease(lease_id, user, body.cms)


@router.get("/leases/{lease_id}/receipt", summary="The chain receipt (tlog-proof) of the signed lease")
def receipt(lease_id: str, user: User = Depends(current_user)) -> Response:
    return Response(leases.lease_receipt(lease_id, user), media_type="text/plain; charset=utf-8")
