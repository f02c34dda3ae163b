"""The portal service's ASGI app: `uvicorn portal.main:create_app --factory`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import portal
from common.app import create_service_app
from common.migrations import upgrade
from portal.api import (
    applications,
    auth,
    buyout,
    callbacks,
    intake,
    leases,
    pages,
    pages_registration,
    registration,
    review,
    verify,
)
from portal.config import get_service_key, get_settings
from portal.db import get_engine
from portal.service.relay import relay

__all__ = ["create_app"]


def create_app() -> FastAPI:
    settings = get_settings()
    engine = get_engine()

    def migrate() -> None:
        if settings.migrate_on_startup:
            upgrade("portal", settings.effective_database_url)

    def start_relay() -> None:
        # The outbox's thread: its deliverer in embedded mode, a fallback sweep when distributed.
        if settings.background_relay:
            relay.start()

    app = create_service_app(
        name="portal",
        title="Portal service",
        description=portal.__doc__ or "",
        engine=engine,
        key=get_service_key(),
        routers=[
            auth.router,
            intake.router,
            applications.router,
            review.router,
            leases.router,
            verify.router,
            callbacks.router,
            registration.router,
            buyout.router,
            pages.router,
            pages_registration.router,
        ],
        on_startup=[migrate, start_relay],
        on_shutdown=[relay.stop],
    )
    app.mount("/static", StaticFiles(directory=Path(portal.__file__).parent / "static"), name="static")
    return app
