"""Dependencies shared by the routes: who is calling (a service JWT for this audience)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from common.service_auth import CallerService, service_caller
from registry_gateway.config import get_settings

__all__ = ["Caller"]

Caller = Annotated[
    CallerService, Depends(service_caller("registry_gateway", get_settings, lambda s: s.callers))
]
