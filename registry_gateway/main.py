"""The registry_gateway service's ASGI app: `uvicorn registry_gateway.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

import registry_gateway
from common.app import create_service_app
from common.migrations import upgrade
from registry_gateway.config import get_service_key, get_settings
from registry_gateway.db import get_engine

__all__ = ["create_app"]


def create_app() -> FastAPI:
    settings = get_settings()
    engine = get_engine()

    def migrate() -> None:
        if settings.migrate_on_startup:
            upgrade("registry_gateway", settings.effective_database_url)

    return create_service_app(
        name="registry_gateway",
        title="RegistryGateway service",
        description=registry_gateway.__doc__ or "",
        engine=engine,
        key=get_service_key(),
        routers=[],
        on_startup=[migrate],
    )
