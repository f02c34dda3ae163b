"""Dependencies shared by the routes: who is calling (a service JWT for this audience)."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import Depends, Request

from common.service_auth import CallerService, ServiceTokenVerifier, require_service
from registry_gateway.config import get_settings

__all__ = ["Caller"]


@cache
def _verifier() -> ServiceTokenVerifier:
    settings = get_settings()
    return ServiceTokenVerifier(
        "registry_gateway", allowed_issuers=set(settings.callers), production=settings.production
    )


def _caller(request: Request) -> CallerService:
    return require_service(_verifier())(request)


Caller = Annotated[CallerService, Depends(_caller)]
