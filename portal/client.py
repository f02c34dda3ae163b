"""Typed HTTP client of the portal service — the only module other services import."""

from __future__ import annotations

from common.http_client import ServiceClient

__all__ = ["PortalClient"]


class PortalClient(ServiceClient):
    audience = "portal"
