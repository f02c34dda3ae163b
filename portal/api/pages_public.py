"""The public verification page (the ezsigner role; information-system rules §28): a document
and its CMS give a report per signer and the chain record with its receipt; the printed lease's
QR code (`/verify?sha256=…&index=…`) opens what the portal recorded under that hash."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from common.problems import Problem
from portal.api.deps import optional_user
from portal.api.pages_base import page
from portal.service import leases, verification, views

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MAX_DOCUMENT = 20 * 1024 * 1024


def _receipt(record: dict[str, Any] | None) -> str | None:
    """The chain receipt of a recorded lease, when the chain has cosigned it."""
    if not record or record.get("chain_index") is None:
        return None
    lease_id = views.lease_id_by_sha256(record["sha256"])
    if lease_id is None:
        return None
    try:
        return leases.lease_receipt(lease_id, None)
    except Problem:
        return None  # not cosigned yet: the page says so


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request, sha256: str = "", index: str = "") -> Response:
    record, problem = None, None
    if sha256:
        position = int(index) if index.isascii() and index.isdigit() else None
        if not _SHA256.match(sha256) or (index and position is None):
            problem = Problem(422, "verify.bad_query", "the QR code carries a SHA-256 hash and a chain index")
        else:
            record = verification.lookup(sha256, position)
            if record is None:
                problem = Problem(
                    404, "verify.unknown_document", "the portal recorded no document with this hash"
                )
    return page(
        request,
        "verify.html",
        user=optional_user(request),
        status=problem.status if problem else 200,
        problem=problem,
        record=record,
        receipt=_receipt(record),
        report=None,
    )


@router.post("/verify", response_class=HTMLResponse)
async def verify_upload(
    request: Request,
    document: Annotated[UploadFile, File()],
    cms: Annotated[UploadFile, File()],
) -> Response:
    content = await document.read(_MAX_DOCUMENT + 1)
    signature = await cms.read(300_000)
    report, problem = None, None
    try:
        if len(content) > _MAX_DOCUMENT:
            raise Problem(413, "verify.too_large", "a document is at most 20 MB here")
        if not content or not signature:
            raise Problem(422, "verify.empty", "choose both the document and its signature")
        report = verification.verify(content, signature)
    except Problem as failed:
        problem = failed
    return page(
        request,
        "verify.html",
        user=optional_user(request),
        status=problem.status if problem else 200,
        problem=problem,
        record=report and report["record"],
        receipt=_receipt(report and report["record"]),
        report=report,
    )
