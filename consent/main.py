"""The consent service's ASGI app: `uvicorn consent.main:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

import consent
from common.app import create_service_app
from common.migrations import upgrade
from consent.config import get_service_key, get_settings
from consent.db import get_engine

__all__ = ["create_app"]


def create_app() -> FastAPI:
    settings = get_settings()
    engine = get_engine()

    def migrate() -> None:
        if settings.migrate_on_startup:
            upgrade("consent", settings.effective_database_url)

    return create_service_app(
        name="consent",
        title="Consent service",
        description=consent.__doc__ or "",
        engine=engine,
        key=get_service_key(),
        routers=[],
        on_startup=[migrate],
    )
