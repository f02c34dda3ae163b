"""Dependencies shared by the routes: who is calling (a service JWT for this audience)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from common.service_auth import CallerService, ServiceTokenVerifier, require_service

__all__ = ["Caller"]

_verifier = ServiceTokenVerifier("registry_gateway")
Caller = Annotated[CallerService, Depends(require_service(_verifier))]
