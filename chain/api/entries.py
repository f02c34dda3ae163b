"""`POST /v1/entries` (service JWT) and the public reads of entries."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.routing import APIRoute

from chain.api.deps import chain_log, submitting_service
from chain.domain.admission import AdmissionError
from chain.schemas import AppendResult, SubmittedEntry
from chain.sequencer import Overloaded
from chain.service import ChainLog, admit
from common.problems import Problem

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["entries"])
_RETRY = {"Retry-After": "1"}


def _problem(error: AdmissionError) -> Problem:
    return Problem(error.status, error.code, error.detail)


class _RequestInResponseOut(APIRoute):
    """A documented route whose endpoint takes the `Request` and returns the `Response` itself:
    FastAPI's per-request dependency solving, which cost more than the admission checks, is
    skipped (FastAPI's documented custom `APIRoute` hook). For the one route that must take
    thousands of requests a second."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return self.endpoint  # type: ignore[return-value]


async def append(request: Request) -> Response:
    """Append a signed body; the same body again returns the same index."""
    # Raw bytes, not a pydantic model: the signature is over exactly what the submitter sent.
    # Everything runs on the event loop; the only wait is for the group commit.
    caller = submitting_service(request)
    log: ChainLog = request.app.state.chain_log
    try:
        admitted = admit(await request.body(), caller.name, log.keys)
        pending = log.sequencer.submit_async(admitted)
    except AdmissionError as error:
        raise _problem(error) from None
    except Overloaded as exc:
        raise Problem(503, "chain.overloaded", str(exc), headers=_RETRY) from None
    try:
        async with asyncio.timeout(log.append_timeout_s):
            appended = await pending
    except AdmissionError as error:
        raise _problem(error) from None
    except (Overloaded, TimeoutError) as exc:
        raise Problem(
            503, "chain.overloaded", f"the append did not commit in time: {exc}", headers=_RETRY
        ) from None
    body = orjson.dumps({"index": appended.index, "leaf_hash": appended.leaf_hash.hex()})
    return Response(body, status_code=201 if appended.created else 200, media_type="application/json")


router.add_api_route(
    "/entries",
    append,
    methods=["POST"],
    route_class_override=_RequestInResponseOut,
    summary="Append a signed body; the same body again returns the same index",
    response_model=AppendResult,
    status_code=201,
    responses={200: {"model": AppendResult}, 503: {"description": "overloaded; retry after Retry-After"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SubmittedEntry.model_json_schema()}},
        }
    },
)


@router.get(
    "/entries/{index}",
    summary="The exact bytes of entry `index` (its leaf hash is SHA-256(0x00 ‖ bytes))",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def entry(index: int, log: Annotated[ChainLog, Depends(chain_log)]) -> Response:
    return Response(log.entry(index), media_type="application/json")


@router.get(
    "/entries",
    summary="Entries start ≤ index < end (at most 1000), one exact entry per line (JSON Lines)",
    response_class=Response,
    responses={200: {"content": {"application/jsonl": {}}}},
)
def entries(
    log: Annotated[ChainLog, Depends(chain_log)],
    start: Annotated[int, Query(ge=0)] = 0,
    end: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    rows = log.entries(start, end if end is not None else start + 1000)
    # Canonical JSON never contains a raw newline, so lines split entries unambiguously.
    return Response(b"".join(data + b"\n" for _, data, _ in rows), media_type="application/jsonl")
