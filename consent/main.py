"""The consent service's ASGI app: `uvicorn consent.main:create_app --factory`."""

from __future__ import annotations

from functools import cache

from fastapi import FastAPI

import consent
from common.app import create_service_app
from common.migrations import upgrade
from common.outbox import OutboxRelay
from common.service_auth import ServiceTokenVerifier
from consent.api import cases, consents, pages
from consent.config import get_service_key, get_settings
from consent.db import get_engine
from consent.delivery import enqueue_delivery, make_dispatcher
from consent.models import Outbox
from consent.service import ConsentService
from consent.signatures import SubjectSignatureVerifier

__all__ = ["create_app"]


def create_app() -> FastAPI:
    settings = get_settings()
    engine = get_engine()
    key = get_service_key()
    # The relay's handlers need the service and the service hands its commits to the relay:
    # the dispatcher is built when the relay starts, by then `service` exists.
    relay = OutboxRelay(
        Outbox,
        lambda: make_dispatcher(service, key),
        enqueue=enqueue_delivery,
        distributed=lambda: settings.distributed,
    )
    service = ConsentService(engine, settings, relay.notify)

    def migrate() -> None:
        if settings.migrate_on_startup:
            upgrade("consent", settings.effective_database_url)

    app = create_service_app(
        name="consent",
        title="Consent service",
        description=consent.__doc__ or "",
        engine=engine,
        key=key,
        routers=[consents.router, cases.router, pages.router],
        on_startup=[migrate, relay.start],
        on_shutdown=[relay.stop],
    )
    app.state.consents = service
    app.state.relay = relay
    app.state.token_verifier = ServiceTokenVerifier(
        "consent", allowed_issuers=set(settings.callers), production=settings.production
    )
    # The CA is opened on first use, so a service that never sees a signature needs no PKI.
    app.state.signature_verifier = cache(
        lambda: SubjectSignatureVerifier.from_ca_directory(settings.ca_directory)
    )
    return app
