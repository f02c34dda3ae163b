"""C2SP tlog-proof receipts and their offline verification.

    c2sp.org/tlog-proof@v1
    extra <base64 of the entry bytes>
    index <N>
    <base64 audit-path hash, leaf's sibling first> ...
    <blank line>
    <the checkpoint note with the log signature and witness cosignatures>

The pilot puts the whole entry (canonical JSON) in `extra`, so a receipt alone lets anyone
recompute the leaf hash and check it against a checkpoint that the log signed and a quorum of
witnesses cosigned — with pinned keys and no server.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from common.checkpoint import Checkpoint, CheckpointError
from common.merkle import HASH_SIZE, ProofError, leaf_hash, verify_inclusion
from common.notes import (
    SIG_COSIGNATURE_V1,
    NoteError,
    Verifier,
    cosignature_timestamp,
    open_note,
    parse_note,
)

__all__ = [
    "HEADER",
    "ReceiptReport",
    "TlogProof",
    "TlogProofError",
    "WitnessCosignature",
    "verify_receipt",
]

HEADER = "c2sp.org/tlog-proof@v1"
_INDEX = re.compile(r"index (0|[1-9][0-9]*)")


class TlogProofError(ValueError):
    reason = "malformed_receipt"


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise TlogProofError("bad base64") from None


@dataclass(frozen=True)
class TlogProof:
    index: int
    proof: tuple[bytes, ...]
    checkpoint: str
    """The signed (and cosigned) checkpoint note, verbatim."""
    extra: bytes | None = None

    @property
    def text(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(h).decode() for h in self.proof)
        return "\n".join(lines) + "\n\n" + self.checkpoint

    @classmethod
    def from_text(cls, text: str | bytes) -> TlogProof:
        if isinstance(text, bytes):
            try:
                text = text.decode()
            except UnicodeDecodeError:
                raise TlogProofError("not UTF-8") from None
        head, sep, checkpoint = text.partition("\n\n")
        lines = head.split("\n")
        if not sep or lines[0] != HEADER or len(lines) < 2:
            raise TlogProofError(f"expected {HEADER!r}, index, proof, a blank line, a checkpoint")
        extra = None
        rest = lines[1:]
        if rest[0].startswith("extra "):
            extra = _b64(rest[0].removeprefix("extra "))
            rest = rest[1:]
        match = _INDEX.fullmatch(rest[0]) if rest else None
        if match is None:
            raise TlogProofError("missing 'index <N>' line")
        proof = tuple(_b64(line) for line in rest[1:])
        if any(len(h) != HASH_SIZE for h in proof):
            raise TlogProofError("proof hashes must be 32 bytes")
        return cls(int(match[1]), proof, checkpoint, extra)


@dataclass(frozen=True)
class WitnessCosignature:
    name: str
    timestamp: int


@dataclass(frozen=True)
class ReceiptReport:
    """What an offline check of a receipt found. `errors` holds stable keys:

    malformed_receipt, missing_entry, entry_not_json, seq_mismatch, malformed_checkpoint,
    origin_mismatch, log_signature_missing, log_signature_invalid, inclusion_failed,
    witness_signature_invalid, quorum_not_met.
    """

    ok: bool
    errors: tuple[str, ...]
    index: int | None = None
    leaf_hash: bytes | None = None
    entry: dict[str, Any] | None = None
    origin: str | None = None
    checkpoint_size: int | None = None
    checkpoint_root: bytes | None = None
    log_signature_ok: bool = False
    inclusion_ok: bool = False
    witnesses: tuple[WitnessCosignature, ...] = ()
    quorum: int = 0
    quorum_ok: bool = False


def _entry(extra: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(extra)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def verify_receipt(
    receipt_text: str | bytes,
    log_verifier: Verifier,
    witness_verifiers: Iterable[Verifier],
    quorum: int,
) -> ReceiptReport:
    """Check a receipt against pinned keys: log signature on the checkpoint (its origin must be
    the log key's name), inclusion of the entry in `extra`, and `quorum` distinct witnesses."""
    known = {(w.name, w.key_id): w for w in witness_verifiers}
    if any(w.sig_type != SIG_COSIGNATURE_V1 for w in known.values()):
        raise ValueError("witness keys must be cosignature/v1 (0x04) verifier keys")
    try:
        receipt = TlogProof.from_text(receipt_text)
        note = parse_note(receipt.checkpoint)
        checkpoint = Checkpoint.from_text(note.text)
    except (TlogProofError, NoteError, CheckpointError) as exc:
        key = "malformed_receipt" if isinstance(exc, TlogProofError) else "malformed_checkpoint"
        return ReceiptReport(ok=False, errors=(key,), quorum=quorum)
    errors: list[str] = []

    entry = digest = None
    if receipt.extra is None:
        errors.append("missing_entry")
    else:
        digest = leaf_hash(receipt.extra)
        entry = _entry(receipt.extra)
        if entry is None:
            errors.append("entry_not_json")
        elif "seq" in entry and entry["seq"] != receipt.index:
            errors.append("seq_mismatch")

    if checkpoint.origin != log_verifier.name:
        errors.append("origin_mismatch")
    log_ok = False
    try:
        open_note(receipt.checkpoint, [log_verifier])
        log_ok = True
    except NoteError as exc:
        errors.append("log_signature_missing" if exc.reason == "unverified" else "log_signature_invalid")

    inclusion_ok = False
    if digest is not None:
        try:
            verify_inclusion(digest, receipt.index, checkpoint.size, receipt.proof, checkpoint.root_hash)
            inclusion_ok = True
        except ProofError:
            errors.append("inclusion_failed")

    text = note.text.encode()
    cosigned: dict[tuple[str, int], WitnessCosignature] = {}
    for sig in note.signatures:
        witness = known.get((sig.name, sig.key_id))
        if witness is None or (sig.name, sig.key_id) in cosigned:
            continue
        if witness.verify(text, sig.signature):
            cosigned[(sig.name, sig.key_id)] = WitnessCosignature(sig.name, cosignature_timestamp(sig))
        elif "witness_signature_invalid" not in errors:
            errors.append("witness_signature_invalid")
    quorum_ok = len(cosigned) >= quorum
    if not quorum_ok:
        errors.append("quorum_not_met")

    return ReceiptReport(
        ok=not errors,
        errors=tuple(errors),
        index=receipt.index,
        leaf_hash=digest,
        entry=entry,
        origin=checkpoint.origin,
        checkpoint_size=checkpoint.size,
        checkpoint_root=checkpoint.root_hash,
        log_signature_ok=log_ok,
        inclusion_ok=inclusion_ok,
        witnesses=tuple(cosigned.values()),
        quorum=quorum,
        quorum_ok=quorum_ok,
    )
