"""Sequence and integrate: durable, gap-free indices from one writer, with group commit.

Admitted appends queue up; one thread drains the queue into a single transaction that takes the
log's write lock (SQLite BEGIN IMMEDIATE / a PostgreSQL advisory lock, so several processes may
each run a sequencer), assigns the next indices, links each entry to the previous leaf hash,
integrates the Merkle tree (storing every new complete subtree) and commits. Only then are the
callers answered: an acknowledged append is on disk. While one batch commits the next one
gathers, so the commit cost is shared by every append waiting at that moment.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.engine import Engine

from chain import repository as repo
from chain.domain.admission import CADASTRAL_NUMBER, AdmissionError, encumbrance_change
from common.db import session_scope
from common.entries import ENTRY_VERSION, GENESIS_PREV, rfc3339
from common.merkle import CompactRange, leaf_hash

__all__ = ["Admitted", "Appended", "Overloaded", "Sequencer", "body_hash", "entry_bytes", "write_batch"]

_log = logging.getLogger(__name__)


def entry_bytes(entry: dict[str, Any]) -> bytes:
    """Canonical bytes of an entry the sequencer built: its body passed `check_body` (strings
    only, ASCII keys) and its own fields are small integers and strings, the schema under which
    sorted orjson is byte-identical to RFC 8785 — so the per-value schema walk is skipped here."""
    return orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)


def body_hash(canonical_body: bytes) -> bytes:
    """The idempotency key: the same body (whoever sends it, however often) is one entry."""
    return hashlib.sha256(canonical_body).digest()


@dataclass(frozen=True, slots=True)
class Admitted:
    """A body that passed the stateless checks (schema, submitter, signature)."""

    body: dict[str, Any]
    sig: dict[str, str]
    body_hash: bytes


@dataclass(frozen=True, slots=True)
class Appended:
    index: int
    leaf_hash: bytes
    created: bool  # False: the body was already in the log (idempotent repeat)


class Overloaded(Exception):
    """Too many appends are waiting: the caller should retry after a pause."""


def write_batch(
    engine: Engine, items: Sequence[Admitted], now: datetime | None = None
) -> list[Appended | AdmissionError]:
    """Append `items` in one transaction, in order; each gets its entry or its refusal."""
    time = rfc3339(now or datetime.now(UTC))
    with session_scope(engine, immediate=True) as session:
        conn = session.connection()
        repo.lock_log(conn)
        size, prev = repo.head(conn)
        prev_hex = prev.hex() if prev is not None else GENESIS_PREV
        known = repo.find_bodies(conn, [item.body_hash for item in items])
        live = repo.live_encumbrances(
            conn,
            {i.body["ref"][CADASTRAL_NUMBER] for i in items if i.body["kind"].startswith("encumbrance.")},
        )
        compact = CompactRange.from_store(repo.DbNodeStore(conn), size)
        results: list[Appended | AdmissionError] = []
        seen: dict[bytes, Appended] = {}
        rows: list[dict[str, Any]] = []
        leaves: list[bytes] = []
        changes: dict[str, int | None] = {}
        for item in items:
            hit = seen.get(item.body_hash)
            if hit is None and item.body_hash in known:
                index, stored = known[item.body_hash]
                hit = Appended(index, stored, created=False)
            if hit is not None:
                results.append(Appended(hit.index, hit.leaf_hash, created=False))
                continue
            try:
                change = encumbrance_change(
                    item.body, size, live.get(item.body["ref"].get(CADASTRAL_NUMBER, ""))
                )
            except AdmissionError as refusal:
                results.append(refusal)
                continue
            if change is not None:
                live[change.cadastral_number] = changes[change.cadastral_number] = change.registered_index
            entry = {
                "v": ENTRY_VERSION,
                "seq": size,
                "prev": prev_hex,
                "time": time,
                "body": item.body,
                "sig": item.sig,
            }
            data = entry_bytes(entry)
            digest = leaf_hash(data)
            rows.append({"seq": size, "leaf_hash": digest, "body_hash": item.body_hash, "data": data})
            leaves.append(digest)
            appended = Appended(size, digest, created=True)
            seen[item.body_hash] = appended
            results.append(appended)
            prev_hex = digest.hex()
            size += 1
        nodes, _root = compact.append(leaves)
        repo.insert_entries(conn, rows)
        repo.insert_nodes(conn, nodes)
        repo.save_encumbrances(conn, changes)
    return results


class Sequencer:
    """The single writer thread of this process; `submit` returns a future of the outcome."""

    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int = 2000,
        max_pending: int = 20000,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.max_pending = max_pending
        self._on_commit = on_commit
        self._queue: deque[tuple[Admitted, Future[Appended]]] = deque()
        self._ready = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="chain-sequencer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._ready:
            self._stopping = True
            self._ready.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def submit(self, item: Admitted) -> Future[Appended]:
        future: Future[Appended] = Future()
        with self._ready:
            if self._stopping or self._thread is None:
                raise Overloaded("the sequencer is not running")
            if len(self._queue) >= self.max_pending:
                raise Overloaded(f"{len(self._queue)} appends are waiting")
            self._queue.append((item, future))
            self._ready.notify()
        return future

    @property
    def pending(self) -> int:
        return len(self._queue)

    def _take(self) -> list[tuple[Admitted, Future[Appended]]]:
        with self._ready:
            while not self._queue and not self._stopping:
                self._ready.wait()
            batch = []
            while self._queue and len(batch) < self.max_batch:
                batch.append(self._queue.popleft())
            return batch

    def _run(self) -> None:
        while True:
            batch = self._take()
            if not batch:
                return  # stopping and drained
            try:
                results = write_batch(self.engine, [item for item, _ in batch])
            except Exception as exc:
                _log.exception("sequencer batch of %d failed", len(batch))
                for _, future in batch:
                    future.set_exception(Overloaded(f"the log could not commit: {type(exc).__name__}"))
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if isinstance(result, AdmissionError):
                    future.set_exception(result)
                else:
                    future.set_result(result)
            if self._on_commit is not None:
                self._on_commit()
