"""The consent service's ASGI app: `uvicorn consent.main:create_app --factory`."""

from __future__ import annotations

from functools import cache

from fastapi import FastAPI

import consent
from common.app import create_service_app
from common.migrations import upgrade
from common.outbox import BackgroundRelay
from common.service_auth import ServiceTokenVerifier
from consent.api import cases, consents, pages
from consent.config import get_service_key, get_settings
from consent.db import get_engine
from consent.delivery import make_dispatcher
from consent.service import ConsentService
from consent.signatures import SubjectSignatureVerifier

__all__ = ["create_app"]


def create_app() -> FastAPI:
    settings = get_settings()
    engine = get_engine()
    key = get_service_key()
    relay: BackgroundRelay | None = None

    def dispatch(message_ids: list[str]) -> None:
        if relay is not None:
            relay.notify()
            return
        from consent.tasks import deliver

        for message_id in message_ids:
            deliver.delay(message_id)

    service = ConsentService(engine, settings, dispatch)
    if not settings.distributed:
        relay = BackgroundRelay(make_dispatcher(service, key), interval_s=1.0)

    def migrate() -> None:
        if settings.migrate_on_startup:
            upgrade("consent", settings.effective_database_url)

    def start_relay() -> None:
        if relay is not None:
            relay.start()

    def stop_relay() -> None:
        if relay is not None:
            relay.stop()

    app = create_service_app(
        name="consent",
        title="Consent service",
        description=consent.__doc__ or "",
        engine=engine,
        key=key,
        routers=[consents.router, cases.router, pages.router],
        on_startup=[migrate, start_relay],
        on_shutdown=[stop_relay],
    )
    app.state.consents = service
    app.state.relay = relay
    app.state.token_verifier = ServiceTokenVerifier("consent", allowed_issuers=set(settings.callers))
    # The CA is opened on first use, so a service that never sees a signature needs no PKI.
    app.state.signature_verifier = cache(
        lambda: SubjectSignatureVerifier.from_ca_directory(settings.ca_directory)
    )
    return app
