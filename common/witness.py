"""A C2SP tlog-witness: cosign a log's checkpoint only if it extends the last one cosigned.

The request body of ``POST /add-checkpoint`` is ``old <size>\\n``, up to 63 base64 consistency
proof lines, a blank line and the signed checkpoint. The witness checks, in the spec's order:
known origin (404), a valid log signature (403), old ≤ new (400), old = the size it last
cosigned (409, body = that size, ``text/x.tlog.size``), the consistency proof (422); then it
records the new tree head atomically and answers with its cosignature line. State is one
(size, root) per origin behind `WitnessStore`, whose compare-and-swap makes check-then-persist
atomic across threads and processes (the spec's rollback race).
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from common.checkpoint import Checkpoint, CheckpointError, cosign_checkpoint
from common.merkle import EMPTY_ROOT, HASH_SIZE, ProofError, verify_consistency
from common.notes import SIG_COSIGNATURE_V1, NoteError, Signer, Verifier, open_note, parse_note

__all__ = [
    "MAX_PROOF_LINES",
    "MAX_REQUEST_BYTES",
    "SIZE_CONTENT_TYPE",
    "BadProof",
    "BadSignature",
    "Conflict",
    "JsonFileWitnessStore",
    "MalformedRequest",
    "TreeHead",
    "UnknownLog",
    "Witness",
    "WitnessError",
    "WitnessStore",
    "parse_add_checkpoint",
]

MAX_PROOF_LINES = 63
MAX_REQUEST_BYTES = 64 * 1024  # 63 proof lines + a checkpoint with 100 signatures fit easily
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_OLD = re.compile(r"old (0|[1-9][0-9]*)")


class WitnessError(Exception):
    """A refused add-checkpoint: `status` is the HTTP status the spec assigns."""

    status = 500
    reason = "witness_error"
    content_type = "text/plain; charset=utf-8"

    def __init__(self, detail: str = "") -> None:
        super().__init__(f"{self.reason}: {detail}" if detail else self.reason)
        self.body = f"{self.reason}: {detail}\n" if detail else f"{self.reason}\n"


class MalformedRequest(WitnessError):
    status = 400
    reason = "malformed_request"


class BadSignature(WitnessError):
    status = 403
    reason = "bad_signature"


class UnknownLog(WitnessError):
    status = 404
    reason = "unknown_log"


class Conflict(WitnessError):
    """The client's old size is not what this witness last cosigned; the body tells it."""

    status = 409
    reason = "size_conflict"
    content_type = SIZE_CONTENT_TYPE

    def __init__(self, size: int, detail: str = "") -> None:
        super().__init__(detail)
        self.size = size
        self.body = f"{size}\n"


class BadProof(WitnessError):
    status = 422
    reason = "bad_consistency_proof"


@dataclass(frozen=True)
class TreeHead:
    size: int
    root_hash: bytes


class WitnessStore(Protocol):
    def load(self, origin: str) -> TreeHead | None: ...

    def swap(self, origin: str, old: TreeHead | None, new: TreeHead) -> bool:
        """Store `new` if the stored head is still `old`; False if someone moved it first."""
        ...


def parse_add_checkpoint(body: str | bytes) -> tuple[int, list[bytes], str]:
    """(old size, consistency proof, signed checkpoint note) of an add-checkpoint body."""
    if len(body) > MAX_REQUEST_BYTES:
        raise MalformedRequest("request too large")
    if isinstance(body, bytes):
        try:
            body = body.decode()
        except UnicodeDecodeError:
            raise MalformedRequest("not UTF-8") from None
    head, sep, note = body.partition("\n\n")
    lines = head.split("\n")
    match = _OLD.fullmatch(lines[0])
    if not sep or match is None:
        raise MalformedRequest("expected 'old <size>', proof lines, a blank line, the checkpoint")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise MalformedRequest(f"more than {MAX_PROOF_LINES} proof lines")
    proof = []
    for line in lines[1:]:
        try:
            node = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise MalformedRequest("proof line is not base64") from None
        if len(node) != HASH_SIZE:
            raise MalformedRequest("proof hash is not 32 bytes")
        proof.append(node)
    return int(match[1]), proof, note


class Witness:
    """Framework-free witness; `add_checkpoint` returns the response body or raises WitnessError."""

    def __init__(
        self,
        cosigner: Signer,
        logs: Mapping[str, Sequence[Verifier]],
        store: WitnessStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if cosigner.sig_type != SIG_COSIGNATURE_V1:
            raise ValueError("a witness cosigns with a cosignature/v1 (0x04) signer")
        self.cosigner = cosigner
        self.logs = logs
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()  # one writer in-process; `swap` guards across processes

    def add_checkpoint(self, body: str | bytes) -> str:
        old_size, proof, note = parse_add_checkpoint(body)
        try:
            origin = parse_note(note).text.split("\n", 1)[0]
        except NoteError as exc:
            raise MalformedRequest(str(exc)) from None
        verifiers = self.logs.get(origin)
        if not verifiers:
            raise UnknownLog(origin)
        try:
            checkpoint = Checkpoint.from_text(open_note(note, verifiers).text)
        except NoteError as exc:
            raise BadSignature(str(exc)) from None
        except CheckpointError as exc:
            raise MalformedRequest(str(exc)) from None
        if old_size > checkpoint.size:
            raise MalformedRequest(f"old size {old_size} > checkpoint size {checkpoint.size}")
        with self._lock:
            current = self.store.load(origin)
            self._check(old_size, proof, checkpoint, current)
            if not self.store.swap(origin, current, TreeHead(checkpoint.size, checkpoint.root_hash)):
                latest = self.store.load(origin)
                raise Conflict(latest.size if latest else 0, "state moved concurrently")
        return cosign_checkpoint(checkpoint, self.cosigner, int(self.clock()))

    @staticmethod
    def _check(old_size: int, proof: list[bytes], cp: Checkpoint, current: TreeHead | None) -> None:
        current_size = current.size if current else 0
        if old_size != current_size:
            raise Conflict(current_size, f"last cosigned size is {current_size}, not {old_size}")
        if cp.size == 0 and cp.root_hash != EMPTY_ROOT:
            raise BadProof("an empty tree's root is SHA-256 of nothing")
        if current is None or old_size == 0:  # nothing to be consistent with yet
            if proof:
                raise BadProof("the proof from size 0 must be empty")
            return
        if old_size == cp.size:
            if proof:
                raise BadProof("the proof between equal sizes must be empty")
            if cp.root_hash != current.root_hash:
                raise Conflict(current_size, "same size, different root")
            return
        try:
            verify_consistency(old_size, cp.size, proof, current.root_hash, cp.root_hash)
        except ProofError as exc:
            raise BadProof(exc.reason) from None


class JsonFileWitnessStore:
    """Witness state in one JSON file, replaced atomically (write, fsync, rename, fsync dir)
    under an exclusive lock on ``<file>.lock``, so several processes may share it."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock_path = self.path.with_name(self.path.name + ".lock")

    def _read(self) -> dict[str, dict[str, object]]:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}

    @staticmethod
    def _head(entry: Mapping[str, object] | None) -> TreeHead | None:
        if entry is None:
            return None
        return TreeHead(int(str(entry["size"])), base64.b64decode(str(entry["root_hash"])))

    def load(self, origin: str) -> TreeHead | None:
        return self._head(self._read().get(origin))

    def swap(self, origin: str, old: TreeHead | None, new: TreeHead) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            state = self._read()
            if self._head(state.get(origin)) != old:
                return False
            state[origin] = {"size": new.size, "root_hash": base64.b64encode(new.root_hash).decode()}
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with open(tmp, "w") as f:
                json.dump(state, f, indent=2, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return True
