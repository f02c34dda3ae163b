"""The videoconf service's ASGI app: `uvicorn videoconf.main:create_app --factory`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import videoconf
from common.app import create_service_app
from common.migrations import upgrade
from videoconf.api import live, login, pages, rooms
from videoconf.config import get_service_key, get_settings
from videoconf.db import get_engine
from videoconf.live import Hubs
from videoconf.outbox import start_relay, stop_relay

__all__ = ["create_app"]


def create_app() -> FastAPI:
    settings = get_settings()
    engine = get_engine()

    def migrate() -> None:
        if settings.migrate_on_startup:
            upgrade("videoconf", settings.effective_database_url)

    app = create_service_app(
        name="videoconf",
        title="Videoconf service",
        description=videoconf.__doc__ or "",
        engine=engine,
        key=get_service_key(),
        routers=[rooms.router, login.router, live.router, pages.router],
        on_startup=[migrate, start_relay],
        on_shutdown=[stop_relay],
    )
    app.state.hubs = Hubs()
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        async with inner(application):
            try:
                yield
            finally:
                # Close peer connections and finish any recording file before the loop ends.
                await application.state.hubs.close_all()

    app.router.lifespan_context = lifespan
    return app
