"""Running pyHanko's coroutines from synchronous callers (CLI, Celery tasks, tests)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["run_sync"]

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion, also when the calling thread already runs an event loop.

    In that case (a sync helper called from async code) it runs on a fresh loop in a worker
    thread; async callers should prefer the `async_*` functions, which do not block the loop.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
