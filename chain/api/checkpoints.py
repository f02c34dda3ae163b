"""Public: the latest published (cosigned) checkpoint, receipts, and the verifier keys."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from chain.api.deps import chain_log
from chain.schemas import LogKeys
from chain.service import ChainLog
from common.problems import Problem

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["checkpoints"])
_RECEIPT_WAIT_S = 3.0  # a fresh entry is covered within one publishing round (≤ 1 s)


@router.get(
    "/checkpoint",
    summary="The latest checkpoint that a quorum of witnesses cosigned (C2SP signed note)",
    response_class=PlainTextResponse,
)
def checkpoint(log: Annotated[ChainLog, Depends(chain_log)]) -> PlainTextResponse:
    published = log.published()
    if published is None or published.cosigned_note is None:
        raise Problem(503, "chain.no_checkpoint", "no checkpoint published yet", headers={"Retry-After": "1"})
    return PlainTextResponse(published.cosigned_note, headers={"Cache-Control": "max-age=1"})


@router.get(
    "/receipts/{index}",
    summary="C2SP tlog-proof of entry `index`: the entry, its audit path and a cosigned checkpoint",
    response_class=PlainTextResponse,
)
async def receipt(index: int, log: Annotated[ChainLog, Depends(chain_log)]) -> PlainTextResponse:
    # A just-appended entry waits for the next published checkpoint instead of failing.
    deadline = time.monotonic() + _RECEIPT_WAIT_S
    while True:
        text = await run_in_threadpool(log.receipt, index)
        if text is not None:
            return PlainTextResponse(text, media_type="text/plain; charset=utf-8")
        if time.monotonic() > deadline:
            raise Problem(
                503,
                "chain.receipt_pending",
                f"no published checkpoint covers entry {index} yet",
                headers={"Retry-After": "1"},
            )
        await asyncio.sleep(0.1)


@router.get("/keys", summary="Verifier keys of the log, its witnesses and its submitters; the quorum")
def keys(log: Annotated[ChainLog, Depends(chain_log)]) -> LogKeys:
    return log.log_keys()
