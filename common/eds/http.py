"""FastAPI binding of the mock CA's public endpoints: CRL, OCSP and CA certificates.

Mount with `app.include_router(pki_router(ca))`; the paths match the URLs the CA writes
into certificates (CRL distribution point, AIA OCSP and caIssuers) when its base URL ends
in `/pki`.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from common.eds.ca import MockCA

__all__ = ["MAX_OCSP_REQUEST_BYTES", "pki_router"]

# A single-certificate OCSP request is a few hundred bytes; anything much larger is abuse.
MAX_OCSP_REQUEST_BYTES = 16 * 1024


def pki_router(ca: MockCA) -> APIRouter:
    router = APIRouter(prefix="/pki", tags=["pki"])

    @router.get("/crl", summary="Current CRL of the issuing CA (DER)")
    def crl() -> Response:
        return Response(ca.crl(), media_type="application/pkix-crl")

    @router.post("/ocsp", summary="RFC 6960 OCSP responder (DER request in, DER response out)")
    async def ocsp(request: Request) -> Response:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_OCSP_REQUEST_BYTES:
                return Response(status_code=413)
        # Reading the register and RSA signing block; keep them off the event loop.
        answer = await run_in_threadpool(ca.ocsp_response, body)
        return Response(answer, media_type="application/ocsp-response")

    @router.get("/ca.cer", summary="Issuing CA certificate (DER), the AIA caIssuers target")
    def issuing_ca() -> Response:
        der = ca.intermediate.public_bytes(serialization.Encoding.DER)
        return Response(der, media_type="application/pkix-cert")

    @router.get("/ca.pem", summary="Root and issuing CA (PEM): the trust bundle for verifiers")
    def bundle() -> Response:
        return Response(ca.ca_bundle_pem(), media_type="application/x-pem-file")

    return router
