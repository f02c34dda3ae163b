"""Dependencies of the routes: the service objects built by `create_app`, and the calling service."""

from __future__ import annotations

from fastapi import Request

from common.service_auth import require_service
from consent.service import ConsentService
from consent.signatures import SubjectSignatureVerifier

__all__ = ["caller", "consents", "verifier"]


def consents(request: Request) -> ConsentService:
    return request.app.state.consents


def verifier(request: Request) -> SubjectSignatureVerifier:
    return request.app.state.signature_verifier()


def caller(request: Request) -> str:
    """The service calling (its JWT's issuer), or a 401/403 problem."""
    return require_service(request.app.state.token_verifier)(request).name
