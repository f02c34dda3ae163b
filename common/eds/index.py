"""The mock CA's register of issued certificates, kept as one JSON file under a file lock.

Several processes share a CA directory (a service answering OCSP while `rto keys revoke`
runs), so every change is a locked read-modify-write, and readers always see a whole file.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from cryptography import x509

from common.eds._cache import Lru
from common.eds.oids import KeyPurpose

__all__ = [
    "CaState",
    "CertificateRecord",
    "ca_lock",
    "index_exists",
    "locked_state",
    "read_state",
    "write_file_atomic",
    "write_state",
]

_INDEX = "index.json"
_LOCK = ".lock"


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    serial: int
    subject: str
    purpose: KeyPurpose
    identity_key: str
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None = None
    revocation_reason: x509.ReasonFlags | None = None

    def status_at(self, moment: datetime) -> str:
        """One of revoked, expired, not_yet_valid, good; revocation wins, as on a CRL."""
        if self.revoked_at is not None:
            return "revoked"
        if moment > self.not_after:
            return "expired"
        if moment < self.not_before:
            return "not_yet_valid"
        return "good"

    def revoke(self, when: datetime, reason: x509.ReasonFlags) -> CertificateRecord:
        return replace(self, revoked_at=when, revocation_reason=reason)

    def to_json(self) -> dict[str, object]:
        return {
            "serial": format(self.serial, "x"),
            "subject": self.subject,
            "purpose": self.purpose.value,
            "identity_key": self.identity_key,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revocation_reason": self.revocation_reason.value if self.revocation_reason else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, str | None]) -> CertificateRecord:
        def when(key: str) -> datetime | None:
            value = data.get(key)
            return datetime.fromisoformat(value) if value else None

        reason = data.get("revocation_reason")
        return cls(
            serial=int(str(data["serial"]), 16),
            subject=str(data["subject"]),
            purpose=KeyPurpose(data["purpose"]),
            identity_key=str(data["identity_key"]),
            not_before=datetime.fromisoformat(str(data["not_before"])),
            not_after=datetime.fromisoformat(str(data["not_after"])),
            revoked_at=when("revoked_at"),
            revocation_reason=x509.ReasonFlags(reason) if reason else None,
        )


@dataclass(slots=True)
class CaState:
    """Mutable only inside `locked_state`; elsewhere treat it as a snapshot."""

    base_url: str
    crl_number: int = 0
    crl_stale: bool = True  # a revocation happened since the cached CRL was signed
    records: dict[int, CertificateRecord] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "base_url": self.base_url,
            "crl_number": self.crl_number,
            "crl_stale": self.crl_stale,
            "certificates": [r.to_json() for r in sorted(self.records.values(), key=lambda r: r.not_before)],
        }

    @classmethod
    def from_json(cls, data: dict) -> CaState:
        records = (CertificateRecord.from_json(item) for item in data["certificates"])
        return cls(
            base_url=data["base_url"],
            crl_number=data["crl_number"],
            crl_stale=data["crl_stale"],
            records={r.serial: r for r in records},
        )


def read_state(directory: Path) -> CaState:
    """A fresh snapshot (callers may change it); the JSON is parsed again only when the file's
    bytes differ from a version seen before: OCSP answers read the register every time."""
    raw = (directory / _INDEX).read_bytes()
    parsed = _PARSED.get(hashlib.sha256(raw).digest(), lambda: CaState.from_json(json.loads(raw)))
    return replace(parsed, records=dict(parsed.records))


_PARSED: Lru[bytes, CaState] = Lru(8)


@contextmanager
def ca_lock(directory: Path) -> Iterator[None]:
    """Exclusive lock on a CA directory, across threads and processes."""
    with open(directory / _LOCK, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def locked_state(directory: Path) -> Iterator[CaState]:
    """Hold the CA's lock, yield its state, and write it back if the block changed it."""
    with ca_lock(directory):
        state = read_state(directory)
        before = _encode(state)
        yield state
        if _encode(state) != before:
            write_state(directory, state)


def write_state(directory: Path, state: CaState) -> None:
    write_file_atomic(directory / _INDEX, _encode(state))


def index_exists(directory: Path) -> bool:
    return (directory / _INDEX).exists()


def _encode(state: CaState) -> bytes:
    return json.dumps(state.to_json(), indent=1, ensure_ascii=False).encode()


def write_file_atomic(path: Path, data: bytes, *, private: bool = False) -> None:
    """Replace `path` in one step; `private` files (keys) are readable by the owner only."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600 if private else 0o644)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
