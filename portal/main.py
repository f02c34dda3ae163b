"""The portal service's ASGI app: `uvicorn portal.main:create_app --factory`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import portal
from common.app import create_service_app
from common.migrations import upgrade
from common.outbox import BackgroundRelay
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
from portal.service.base import set_waker
from portal.service.relay import start_background_relay

__all__ = ["create_app"]


def create_app() -> FastAPI:
    settings = get_settings()
    engine = get_engine()
    relay: list[BackgroundRelay] = []

    def migrate() -> None:
        if settings.migrate_on_startup:
            upgrade("portal", settings.effective_database_url)

    def start_relay() -> None:
        # Embedded mode: the outbox is delivered by a thread; distributed mode uses Celery beat.
        if settings.background_relay and not settings.distributed:
            relay.append(start_background_relay())
            set_waker(relay[0].notify)

    def stop_relay() -> None:
        for running in relay:
            running.stop()
        relay.clear()
        set_waker(None)

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
        on_shutdown=[stop_relay],
    )
    app.mount("/static", StaticFiles(directory=Path(portal.__file__).parent / "static"), name="static")
    return app
