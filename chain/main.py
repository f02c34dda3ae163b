"""The chain service's ASGI app: `uvicorn chain.main:create_app --factory`."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

import chain
from chain.api import checkpoints, entries, proofs
from chain.config import ChainSettings, get_service_key, get_settings
from chain.db import get_engine
from chain.keys import development_witness_signer, log_signer, submitter_jwks
from chain.service import ChainLog
from chain.witnesses import HttpPeer
from common.app import create_service_app
from common.migrations import upgrade
from common.notes import Verifier
from common.witness_http import witness_router

__all__ = ["build_log", "create_app"]


def build_log(settings: ChainSettings) -> ChainLog:
    external = []
    for spec in settings.external_witnesses:
        vkey, _, url = spec.partition(" ")
        external.append(HttpPeer(Verifier.from_vkey(vkey), url.strip(), settings.witness_timeout_s))
    return ChainLog.build(
        get_engine(),
        log_signer(),
        submitter_jwks(),
        witness_signers=[development_witness_signer(name) for name in settings.embedded_witnesses],
        witness_dir=settings.data_dir / "chain-witnesses",
        external=external,
        quorum=settings.quorum,
        max_batch=settings.max_batch,
        max_pending=settings.max_pending,
        publish_interval_s=settings.publish_interval_s,
        append_timeout_s=settings.append_timeout_s,
    )


def create_app() -> FastAPI:
    settings = get_settings()
    log = build_log(settings)

    def start() -> None:
        if settings.migrate_on_startup:
            upgrade("chain", settings.effective_database_url)
        log.start(publish=settings.run_publisher)

    routers: list[APIRouter] = [entries.router, proofs.router, checkpoints.router]
    for name, witness in log.embedded.items():
        # Each embedded witness is the router any organisation could run on its own (`rto chain witness`).
        mounted = APIRouter(prefix=f"/witness/{name}")
        mounted.include_router(witness_router(witness))
        routers.append(mounted)
    app = create_service_app(
        name="chain",
        title="Chain service",
        description=chain.__doc__ or "",
        engine=get_engine(),
        key=get_service_key(),
        routers=routers,
        on_startup=[start],
        on_shutdown=[log.stop],
    )
    app.state.chain_log = log
    return app
