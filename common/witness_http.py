"""FastAPI binding of the C2SP tlog-witness ``add-checkpoint`` endpoint (see common.witness)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from common.witness import MAX_REQUEST_BYTES, MalformedRequest, Witness, WitnessError

__all__ = ["witness_router"]


def witness_router(witness: Witness) -> APIRouter:
    """Routes for one witness; mount under the witness's submission prefix."""
    router = APIRouter(tags=["witness"])

    @router.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_REQUEST_BYTES:
                return _error(MalformedRequest("request too large"))
        try:
            # Signature checks and the fsync'd state update block; keep them off the event loop.
            lines = await run_in_threadpool(witness.add_checkpoint, body)
        except WitnessError as exc:
            return _error(exc)
        return Response(lines, headers={"content-type": "text/plain; charset=utf-8"})

    return router


def _error(exc: WitnessError) -> Response:
    # An explicit header keeps Starlette from appending a charset to text/x.tlog.size.
    return Response(exc.body, status_code=exc.status, headers={"content-type": exc.content_type})
