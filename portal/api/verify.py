"""Public verification of signed documents and their chain records: no login needed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from common.problems import Problem
from portal.schemas import VerifyIn
from portal.service import leases, verification
from portal.signatures import decode_b64

router = APIRouter(prefix="/v1", tags=["verification"])


@router.post("/verify", summary="Verify a document and its CMS: a report per signer and the chain record")
def verify(body: VerifyIn) -> dict[str, Any]:
    return verification.verify(decode_b64(body.document_b64, "document_b64"), body.cms)


@router.get("/verify", summary="What the portal recorded under a hash (the printed QR code)")
def lookup(
    sha256: str = Query(pattern=r"^[0-9a-f]{64}$"), index: int | None = Query(default=None, ge=0)
) -> dict[str, Any]:
    record = verification.lookup(sha256, index)
    if record is None:
        raise Problem(404, "verify.unknown_document", "the portal recorded no document with this hash")
    return record


@router.get("/public/leases/{lease_id}/receipt", summary="A lease's chain receipt (hashes only)")
def public_receipt(lease_id: str) -> Response:
    return Response(leases.lease_receipt(lease_id, None), media_type="text/plain; charset=utf-8")
