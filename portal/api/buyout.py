"""The buyout (§29–§31): the payment ledger, the release letter, the termination and ownership
applications."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from portal.api.deps import current_user
from portal.schemas import CmsIn, PaymentIn
from portal.service import buyout
from portal.service.auth import User

router = APIRouter(prefix="/v1/leases/{lease_id}", tags=["buyout"])


@router.post(
    "/payments",
    status_code=201,
    response_model=None,
    summary="Officer: record a tenant's payment (201; 200 for a reference already recorded)",
)
def record(lease_id: str, body: PaymentIn, user: User = Depends(current_user)) -> JSONResponse:
    created, ledger = buyout.record_payment(lease_id, user, body.amount, body.paid_on, body.reference)
    return JSONResponse(ledger, status_code=201 if created else 200)


@router.get("/payments", summary="The ledger: payments and the remaining purchase price (`on`: quote a date)")
def ledger(lease_id: str, on: date | None = None, user: User = Depends(current_user)) -> dict[str, Any]:
    return buyout.ledger(lease_id, user, on)


@router.get("/release-letter", summary="The release letter: hash, signature time, chain index, the cases")
def letter(lease_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return buyout.letter_view(lease_id, user)


@router.get("/release-letter/document", summary="The exact bytes the head signs (canonical JSON)")
def letter_document(lease_id: str, user: User = Depends(current_user)) -> Response:
    return Response(buyout.release_letter(lease_id, user), media_type=buyout.LETTER_MEDIA_TYPE)


@router.get("/release-letter/cms", summary="The head's CMS over the release letter (DER)")
def letter_cms(lease_id: str, user: User = Depends(current_user)) -> Response:
    return Response(buyout.release_letter_cms(lease_id, user), media_type="application/pkcs7-signature")


@router.post(
    "/release-letter", summary="Head: sign the release letter; then the termination + ownership cases open"
)
def sign_letter(lease_id: str, body: CmsIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return buyout.sign_release_letter(lease_id, user, body.cms)


@router.post("/buyout", summary="Officer/head: (re)submit the termination and ownership applications")
def submit(lease_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return buyout.submit_buyout(lease_id, user)
