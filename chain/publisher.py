"""Publish: sign a checkpoint of the current tree, collect witness cosignatures, and publish it
once a quorum has cosigned (C2SP tlog-checkpoint / tlog-witness, like Tessera's witness policy).

Every checkpoint the log signs is recorded before it leaves the process, and a new one is signed
only for a tree that extends the last signed one — the log never signs two inconsistent heads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from chain import repository as repo
from chain.witnesses import WitnessPeer, add_checkpoint_body
from common.checkpoint import Checkpoint, attach_cosignatures, sign_checkpoint
from common.db import session_scope
from common.merkle import consistency_proof, root_at
from common.notes import NoteError, Signer, parse_note
from common.witness import Conflict, WitnessError

__all__ = ["Publisher", "publish_once"]

_log = logging.getLogger(__name__)


def _sign_next(engine: Engine, signer: Signer, origin: str) -> repo.CheckpointRow | None:
    """The checkpoint to publish now: a new one for a grown tree, else the last unpublished one."""
    with session_scope(engine, immediate=True) as session:
        conn = session.connection()
        size, _ = repo.head(conn)
        last = repo.latest_signed(conn)
        if last is not None and last.size > size:
            raise RuntimeError(f"signed checkpoint {last.size} is beyond the stored tree {size}")
        if last is not None and last.size == size:
            return None if last.cosigned_note else last
        root = root_at(repo.DbNodeStore(conn), size)
        note = sign_checkpoint(Checkpoint(origin, size, root), signer)
        repo.insert_checkpoint(conn, size, root, note, datetime.now(UTC))
        return repo.CheckpointRow(size, root, note, None)


def _cosign(engine: Engine, peer: WitnessPeer, known_size: int, cp: repo.CheckpointRow) -> str | None:
    """One witness's cosignature line(s), resynchronising once if it reports another size."""
    old = known_size
    for _attempt in range(2):
        if old > cp.size:
            _log.warning("witness %s has seen size %d > %d", peer.verifier.name, old, cp.size)
            return None
        with engine.connect() as conn:
            proof = consistency_proof(repo.DbNodeStore(conn), old, cp.size) if old else []
        try:
            lines = peer.add_checkpoint(add_checkpoint_body(old, proof, cp.signed_note))
        except Conflict as conflict:
            old = conflict.size
            continue
        except WitnessError as exc:
            _log.warning("witness %s refused checkpoint %d: %s", peer.verifier.name, cp.size, exc)
            return None
        with session_scope(engine) as session:
            repo.set_witness_size(session.connection(), peer.verifier.name, cp.size)
        return lines
    return None


def publish_once(
    engine: Engine,
    signer: Signer,
    peers: Sequence[WitnessPeer],
    quorum: int,
    pool: ThreadPoolExecutor | None = None,
) -> int | None:
    """Sign, cosign and publish the current tree; the published size, or None if nothing changed,
    another process is publishing, or the quorum was not reached (the next run retries)."""
    with engine.connect() as guard:
        if not repo.try_publisher_lock(guard):
            return None
        try:
            return _publish(engine, signer, peers, quorum, pool)
        finally:
            repo.release_publisher_lock(guard)
            guard.commit()


def _publish(
    engine: Engine,
    signer: Signer,
    peers: Sequence[WitnessPeer],
    quorum: int,
    pool: ThreadPoolExecutor | None,
) -> int | None:
    cp = _sign_next(engine, signer, signer.name)
    if cp is None:
        return None
    with engine.connect() as conn:
        sizes = repo.witness_sizes(conn)
    calls = [(peer, sizes.get(peer.verifier.name, 0)) for peer in peers]
    if pool is None:
        answers = [_cosign(engine, peer, size, cp) for peer, size in calls]
    else:
        answers = list(pool.map(lambda call: _cosign(engine, call[0], call[1], cp), calls))
    verifiers = [peer.verifier for peer in peers]
    note = cp.signed_note
    for lines in answers:
        if lines:
            try:
                note = attach_cosignatures(note, lines, verifiers)
            except NoteError as exc:
                _log.warning("dropping an invalid cosignature on checkpoint %d: %s", cp.size, exc)
    cosignatures = len(parse_note(note).signatures) - 1  # all but the log's own
    if cosignatures < quorum:
        _log.warning("checkpoint %d has %d of %d cosignatures; not published", cp.size, cosignatures, quorum)
        return None
    with session_scope(engine) as session:
        repo.mark_published(session.connection(), cp.size, note, cosignatures, datetime.now(UTC))
    return cp.size


class Publisher:
    """Background publishing in embedded mode: at least every `interval_s` while the log grows,
    and promptly after a commit (`poke`)."""

    def __init__(
        self, engine: Engine, signer: Signer, peers: Sequence[WitnessPeer], quorum: int, interval_s: float
    ) -> None:
        self.engine = engine
        self.signer = signer
        self.peers = list(peers)
        self.quorum = quorum
        self.interval_s = interval_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, len(self.peers)), thread_name_prefix="chain-witness"
        )

    def poke(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="chain-publisher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self._pool.shutdown(wait=False)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                publish_once(self.engine, self.signer, self.peers, self.quorum, self._pool)
            except Exception:
                _log.exception("publishing a checkpoint failed")
            # Pace the witnesses: at most one round per interval, sooner never.
            self._stopping.wait(self.interval_s)
            self._wake.wait(self.interval_s)
            self._wake.clear()
