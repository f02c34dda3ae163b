"""Sequence and integrate: durable, gap-free indices from one writer, with group commit.

Admitted appends queue up; a verifier thread checks the submitters' signatures of everything
queued, and the writer thread puts verified batches into a single transaction that takes the
log's write lock (SQLite BEGIN IMMEDIATE / a PostgreSQL advisory lock, so several processes may
each run a sequencer), assigns the next indices, links each entry to the previous leaf hash,
integrates the Merkle tree (storing every new complete subtree) and commits. Only then are the
callers answered: an acknowledged append is on disk. While one batch commits the next one
gathers and is verified, so the commit cost is shared by every append waiting at that moment.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

import orjson
from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError
from sqlalchemy.engine import Engine

from chain import repository as repo
from chain.domain.admission import CADASTRAL_NUMBER, AdmissionError, encumbrance_change
from common.entries import ENTRY_VERSION, GENESIS_PREV, rfc3339
from common.merkle import CompactRange

__all__ = [
    "SIGNATURE_SIZE",
    "Admitted",
    "Appended",
    "Overloaded",
    "Sequenced",
    "Sequencer",
    "body_hash",
    "entry_bytes",
    "sequence",
    "verify_signatures",
    "write_batch",
]

_log = logging.getLogger(__name__)
SIGNATURE_SIZE = 64  # Ed25519
ENCUMBRANCE_KINDS = frozenset({"encumbrance.registered", "encumbrance.terminated"})


def entry_bytes(entry: dict[str, Any]) -> bytes:
    """Canonical bytes of an entry the sequencer built: its body passed `check_body` (strings
    only, ASCII keys) and its own fields are small integers and strings, the schema under which
    sorted orjson is byte-identical to RFC 8785 — so the per-value schema walk is skipped here."""
    return orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)


def body_hash(canonical_body: bytes) -> bytes:
    """The idempotency key: the same body (whoever sends it, however often) is one entry."""
    return sha256(canonical_body).digest()


@dataclass(frozen=True, slots=True)
class Admitted:
    """A body that passed the stateless checks (schema, submitter, known key); its signature is
    checked by the sequencer before the body can be appended."""

    body: dict[str, Any]
    sig: dict[str, str]
    body_hash: bytes
    signed: bytes  # signature ‖ canonical body: what Ed25519 verification reads
    public_key: bytes  # the submitter's key named by sig.kid


@dataclass(frozen=True, slots=True)
class Appended:
    index: int
    leaf_hash: bytes
    created: bool  # False: the body was already in the log (idempotent repeat)


class Overloaded(Exception):
    """Too many appends are waiting: the caller should retry after a pause."""


@dataclass(slots=True)
class Sequenced:
    """What one batch adds to a log of `size` entries: each item's outcome, the new entry rows
    and leaf hashes, and the live-encumbrance changes."""

    results: list[Appended | AdmissionError]
    rows: list[repo.EntryRow]
    leaves: list[bytes]
    changes: dict[str, int | None]


def sequence(
    items: Sequence[Admitted],
    size: int,
    prev_hex: str,
    time: str,
    known: Mapping[bytes, tuple[int, bytes]],
    live: dict[str, int | None],
) -> Sequenced:
    """Assign indices to `items` after a log of `size` entries whose last leaf hash is
    `prev_hex` (pure: the caller holds the log lock and persists the result). `known` maps
    body hashes already in the log to (index, leaf hash); `live` is updated in place."""
    results: list[Appended | AdmissionError] = []
    seen: dict[bytes, Appended] = {}
    rows: list[repo.EntryRow] = []
    leaves: list[bytes] = []
    changes: dict[str, int | None] = {}
    dumps, sort_keys = orjson.dumps, orjson.OPT_SORT_KEYS
    for item in items:
        hit = seen.get(item.body_hash)
        if hit is None and item.body_hash in known:
            index, stored = known[item.body_hash]
            hit = Appended(index, stored, created=False)
        if hit is not None:
            results.append(Appended(hit.index, hit.leaf_hash, created=False))
            continue
        if item.body["kind"] in ENCUMBRANCE_KINDS:
            try:
                change = encumbrance_change(item.body, size, live.get(item.body["ref"][CADASTRAL_NUMBER]))
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
        # entry_bytes, inlined: this loop runs once per appended entry.
        data = dumps(entry, option=sort_keys)
        digest = sha256(b"\x00" + data).digest()
        rows.append((size, digest, item.body_hash, data))
        leaves.append(digest)
        appended = Appended(size, digest, created=True)
        seen[item.body_hash] = appended
        results.append(appended)
        prev_hex = digest.hex()
        size += 1
    return Sequenced(results, rows, leaves, changes)


def write_batch(
    engine: Engine, items: Sequence[Admitted], now: datetime | None = None
) -> list[Appended | AdmissionError]:
    """Append `items` (signatures already verified) in one transaction, in order; each gets its
    entry or its refusal."""
    if not items:
        return []
    time = rfc3339(now or datetime.now(UTC))
    with _writer(engine).begin() as conn:
        repo.lock_log(conn)
        size, prev = repo.head(conn)
        known = repo.find_bodies(conn, [item.body_hash for item in items])
        live = repo.live_encumbrances(
            conn,
            {i.body["ref"][CADASTRAL_NUMBER] for i in items if i.body["kind"] in ENCUMBRANCE_KINDS},
        )
        compact = CompactRange.from_store(repo.DbNodeStore(conn), size)
        batch = sequence(items, size, prev.hex() if prev is not None else GENESIS_PREV, time, known, live)
        nodes, _root = compact.append(batch.leaves)
        repo.insert_entries(conn, batch.rows)
        repo.insert_nodes(conn, nodes)
        repo.save_encumbrances(conn, batch.changes)
    return batch.results


def _writer(engine: Engine) -> Engine:
    """The engine whose transactions start as the log's writer (SQLite: BEGIN IMMEDIATE)."""
    return engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine


class Sequencer:
    """The single writer of this process, as a two-stage pipeline: a verifier thread checks the
    Ed25519 signatures of whatever has queued up (with one helper thread: libsodium releases the
    GIL, so both cores work), and the writer thread commits verified batches — the next batch is
    verified while the previous one commits. `submit` returns a concurrent future of the outcome;
    `submit_async` (inside an event loop) an asyncio future that the writer settles with one loop
    wake-up per batch, not one thread hop per append."""

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
        self._queue: deque[tuple[Admitted, _Waiter]] = deque()
        self._ready = threading.Condition()
        self._stopping = False
        self._threads: list[threading.Thread] = []
        # Verified batches waiting for the writer; None closes the pipeline. Bounded, so a slow
        # database backs appends up into `_queue`, where max_pending turns them away.
        self._verified: queue.Queue[list[_Checked] | None] = queue.Queue(maxsize=2)

    def start(self) -> None:
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._verify, name="chain-verify", daemon=True),
            threading.Thread(target=self._write, name="chain-sequencer", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        with self._ready:
            self._stopping = True
            self._ready.notify_all()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads = []

    def submit(self, item: Admitted) -> Future[Appended]:
        future: Future[Appended] = Future()
        self._enqueue(item, future)
        return future

    def submit_async(self, item: Admitted) -> asyncio.Future[Appended]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Appended] = loop.create_future()
        self._enqueue(item, (loop, future))
        return future

    def _enqueue(self, item: Admitted, waiter: _Waiter) -> None:
        with self._ready:
            if self._stopping or not self._threads:
                raise Overloaded("the sequencer is not running")
            if len(self._queue) >= self.max_pending:
                raise Overloaded(f"{len(self._queue)} appends are waiting")
            self._queue.append((item, waiter))
            self._ready.notify()

    @property
    def pending(self) -> int:
        return len(self._queue)

    def _take(self) -> list[tuple[Admitted, _Waiter]]:
        with self._ready:
            while not self._queue and not self._stopping:
                self._ready.wait()
            batch = []
            while self._queue and len(batch) < self.max_batch:
                batch.append(self._queue.popleft())
            return batch

    def _verify(self) -> None:
        """Stage 1: the signatures of everything queued, then on to the writer."""
        with ThreadPoolExecutor(1, thread_name_prefix="chain-verify-helper") as helper:
            while batch := self._take():
                refusals = verify_signatures([item for item, _ in batch], helper)
                self._verified.put([(i, w, r) for (i, w), r in zip(batch, refusals, strict=True)])
        self._verified.put(None)  # stopping and drained

    def _write(self) -> None:
        """Stage 2: every verified batch waiting (up to max_batch) in one transaction."""
        closed = False
        while not closed:
            batch = self._verified.get()
            if batch is None:
                return
            while len(batch) < self.max_batch:
                try:
                    more = self._verified.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    closed = True
                    break
                batch += more
            self._commit(batch)

    def _commit(self, batch: list[_Checked]) -> None:
        results: list[Any] = [refusal for _, _, refusal in batch]
        try:
            written = iter(write_batch(self.engine, [item for item, _, refusal in batch if refusal is None]))
            results = [next(written) if r is None else r for r in results]
        except Exception as exc:
            _log.exception("sequencer batch of %d failed", len(batch))
            results = [Overloaded(f"the log could not commit: {type(exc).__name__}")] * len(batch)
        _settle([waiter for _, waiter, _ in batch], results)
        if self._on_commit is not None:
            self._on_commit()


_INLINE_BELOW = 32  # a small batch is checked on one thread: no hand-off to wait for
_BAD_SIGNATURE = "the submitter's signature does not verify"


def verify_signatures(
    items: Sequence[Admitted], helper: ThreadPoolExecutor | None = None
) -> list[AdmissionError | None]:
    """None for each item whose submitter signature verifies, its refusal otherwise. With a
    helper thread, half the batch is checked there at the same time (Ed25519 releases the GIL)."""
    if helper is None or len(items) < _INLINE_BELOW:
        return _verify_chunk(items)
    half = len(items) // 2
    other = helper.submit(_verify_chunk, items[half:])
    return _verify_chunk(items[:half]) + other.result()


def _verify_chunk(items: Sequence[Admitted]) -> list[AdmissionError | None]:
    out: list[AdmissionError | None] = []
    for item in items:
        try:
            crypto_sign_open(item.signed, item.public_key)
            out.append(None)
        except (BadSignatureError, ValueError):
            out.append(AdmissionError(422, "chain.signature_invalid", _BAD_SIGNATURE))
    return out


_Waiter = Future[Appended] | tuple[asyncio.AbstractEventLoop, "asyncio.Future[Appended]"]
_Checked = tuple[Admitted, _Waiter, "AdmissionError | None"]


def _settle(waiters: Sequence[_Waiter], results: Sequence[Appended | BaseException]) -> None:
    """Answer every caller of a committed (or failed) batch."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Appended], Any]]] = {}
    for waiter, result in zip(waiters, results, strict=True):
        if isinstance(waiter, tuple):
            by_loop.setdefault(waiter[0], []).append((waiter[1], result))
        elif isinstance(result, BaseException):
            waiter.set_exception(result)
        else:
            waiter.set_result(result)
    for loop, pairs in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle_in_loop, pairs)
        except RuntimeError:  # that loop has closed: nobody is waiting any more
            continue


def _settle_in_loop(pairs: list[tuple[asyncio.Future[Appended], Any]]) -> None:
    for future, result in pairs:
        if future.done():  # the caller gave up (timeout, disconnect)
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
