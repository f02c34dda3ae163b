"""The portal service's ASGI app: `uvicorn portal.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

import portal
from common.app import create_service_app
from common.migrations import upgrade
from portal.config import get_service_key, get_settings
from portal.db import get_engine

__all__ = ["create_app"]


def create_app() -> FastAPI:
    settings = get_settings()
    engine = get_engine()

    def migrate() -> None:
        if settings.migrate_on_startup:
            upgrade("portal", settings.effective_database_url)

    return create_service_app(
        name="portal",
        title="Portal service",
        description=portal.__doc__ or "",
        engine=engine,
        key=get_service_key(),
        routers=[],
        on_startup=[migrate],
    )
