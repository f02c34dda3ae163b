"""The one way a service builds its FastAPI app: health and readiness probes, problem+json
errors, a correlation id, the service's JWKS, and its routers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from common.correlation import CorrelationIdMiddleware
from common.logs import quiet_expected_warnings
from common.problems import Problem, install_problem_handlers
from common.service_auth import jwks_router
from common.service_keys import ServiceKey

__all__ = ["ReadinessCheck", "create_service_app"]

ReadinessCheck = Callable[[], None]


def create_service_app(
    *,
    name: str,
    title: str,
    description: str,
    engine: Engine,
    key: ServiceKey,
    routers: Sequence[APIRouter] = (),
    readiness_checks: Sequence[ReadinessCheck] = (),
    on_startup: Sequence[Callable[[], None]] = (),
    on_shutdown: Sequence[Callable[[], None]] = (),
    version: str = "1.0.0",
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for hook in on_startup:
            hook()
        try:
            yield
        finally:
            for hook in on_shutdown:
                hook()

    quiet_expected_warnings()
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.service_name = name
    app.add_middleware(CorrelationIdMiddleware)
    install_problem_handlers(app)

    @app.get("/healthz", tags=["ops"], summary="Liveness: the process answers")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @app.get("/readyz", tags=["ops"], summary="Readiness: the database and dependencies answer")
    def readyz() -> dict[str, Any]:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            for check in readiness_checks:
                check()
        except Problem:
            raise
        except Exception as exc:
            raise Problem(
                503, "not_ready", f"{name} is not ready: {type(exc).__name__}", headers={"Retry-After": "1"}
            ) from None
        return {"status": "ready", "service": name}

    app.include_router(jwks_router(key))
    for router in routers:
        app.include_router(router)
    return app
