"""The registry_gateway service's ASGI app: `uvicorn registry_gateway.main:create_app --factory`."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from fastapi import FastAPI

import registry_gateway
from common.app import create_service_app
from common.db import serialise, session_scope
from common.eds.http import pki_router
from common.migrations import upgrade
from registry_gateway.api import cases, pages, scenario, state_systems
from registry_gateway.config import get_service_key, get_settings
from registry_gateway.db import get_engine
from registry_gateway.models import WebhookSubscriber
from registry_gateway.registrar import raise_deadline_alerts
from registry_gateway.relay import start_relay, stop_relay
from registry_gateway.signatures import get_ca
from registry_gateway.stand_in import seed

__all__ = ["create_app"]

_SWEEP_EVERY_S = 60.0


def _seed() -> None:
    settings = get_settings()
    with session_scope(get_engine(), immediate=True) as session:
        serialise(session, "registry_gateway.seed")
        seed(session)
        # The credit bureau's subscription: its URL and secret come from the settings.
        subscriber = session.get(WebhookSubscriber, "credit_bureau") or WebhookSubscriber(
            id="credit_bureau", url="", secret=""
        )
        subscriber.url = settings.effective_bureau_url
        subscriber.secret = settings.bureau_webhook_secret
        session.add(subscriber)


class _DeadlineWatch:
    """Embedded mode: raise deadline alerts every minute (Celery beat does it when distributed)."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        # A new thread per start: an app's lifespan may run more than once (tests, reloads).
        if not get_settings().distributed and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="deadline-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(_SWEEP_EVERY_S):
            raise_deadline_alerts(datetime.now(UTC))


def create_app() -> FastAPI:
    settings = get_settings()
    engine = get_engine()
    watch = _DeadlineWatch()

    def migrate() -> None:
        if settings.migrate_on_startup:
            upgrade("registry_gateway", settings.effective_database_url)
        _seed()

    app = create_service_app(
        name="registry_gateway",
        title="RegistryGateway service",
        description=registry_gateway.__doc__ or "",
        engine=engine,
        key=get_service_key(),
        routers=[state_systems.router, scenario.router, cases.router, pki_router(get_ca()), pages.router],
        on_startup=[migrate, start_relay, watch.start],
        on_shutdown=[watch.stop, stop_relay],
    )
    return app
