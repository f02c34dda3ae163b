"""A correlation id follows one user action across services, logs and tasks."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HEADER", "CorrelationIdMiddleware", "current_correlation_id"]

HEADER = "x-correlation-id"
_current: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current_correlation_id() -> str:
    value = _current.get()
    if value is None:
        value = uuid.uuid4().hex
        _current.set(value)
    return value


class CorrelationIdMiddleware:
    """Pure ASGI middleware (no BaseHTTPMiddleware, which breaks streaming and contextvars)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(HEADER.encode())
        value = incoming.decode("latin-1")[:64] if incoming else uuid.uuid4().hex
        token = _current.set(value)

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((HEADER.encode(), value.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        finally:
            _current.reset(token)
