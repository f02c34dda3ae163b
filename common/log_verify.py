"""Verification for outsiders: re-check a whole chain log, or one receipt with its document and
CMS, with pinned keys and no trust in the server (DESIGN.md §4).

A full check recomputes, for every entry: canonical bytes (RFC 8785), `seq`, the hash link to the
previous leaf, the submitter's Ed25519 signature over the body; then the Merkle root at the
checkpoint's size, the log's signature on the checkpoint and a quorum of witness cosignatures.
It reports the *first bad index*: a changed entry breaks its own leaf hash (named directly when
the store keeps leaf hashes) or the next entry's link — if the following link holds, the
predecessor was changed, not the entry that points to it.
"""

from __future__ import annotations

import base64
import hashlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from hashlib import sha256
from itertools import islice
from typing import Any

import orjson
from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

from common.canonical import NonCanonicalValue, canonical_bytes, fast_canonical_bytes
from common.checkpoint import Checkpoint, CheckpointError
from common.entries import ENTRY_VERSION, GENESIS_PREV
from common.merkle import CompactRange
from common.notes import SIG_COSIGNATURE_V1, NoteError, Verifier, open_note, parse_note
from common.tlog_proof import ReceiptReport, verify_receipt

__all__ = [
    "EvidenceReport",
    "LogReport",
    "TrustedKeys",
    "canonical",
    "verify_evidence",
    "verify_log",
]

_CHUNK = 2048


def canonical(value: Any) -> bytes:
    """RFC 8785 bytes: the fast path where it is provably identical, the reference otherwise."""
    try:
        return fast_canonical_bytes(value)
    except NonCanonicalValue:
        return canonical_bytes(value)


@dataclass(frozen=True)
class TrustedKeys:
    """What a verifier pins: the log key, witness keys and quorum, and submitters' keys by kid.

    `from_json` reads the chain's `GET /v1/keys` document (also the `--keys FILE` format)."""

    log: Verifier
    witnesses: tuple[Verifier, ...]
    quorum: int
    submitters: Mapping[str, tuple[str, bytes]]  # service → (kid, Ed25519 public key)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> TrustedKeys:
        submitters = {}
        for service, jwk in doc["submitters"].items():
            x = jwk["x"]
            submitters[service] = (jwk["kid"], base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))
        witnesses = tuple(Verifier.from_vkey(v) for v in doc["witnesses"])
        if any(w.sig_type != SIG_COSIGNATURE_V1 for w in witnesses):
            raise ValueError("witness keys must be cosignature/v1 (0x04) vkeys")
        return cls(Verifier.from_vkey(doc["log"]), witnesses, int(doc["quorum"]), submitters)

    def submitter_keys(self) -> dict[tuple[str, str], bytes]:
        """(service, kid) → raw Ed25519 public key."""
        return {(service, kid): key for service, (kid, key) in self.submitters.items()}


@dataclass
class LogReport:
    """Outcome of a whole-log check. `problems` are (index or None, stable reason), in log order."""

    entries: int = 0
    checkpoint_size: int | None = None
    cosignatures: int = 0
    problems: list[tuple[int | None, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_index(self) -> int | None:
        indices = [i for i, _ in self.problems if i is not None]
        return min(indices) if indices else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "checkpoint_size": self.checkpoint_size,
            "cosignatures": self.cosignatures,
            "first_bad_index": self.first_bad_index,
            "problems": [{"index": i, "reason": r} for i, r in self.problems],
        }


@dataclass(slots=True)
class _Checked:
    index: int
    leaf: bytes
    prev: str | None
    reason: str | None  # the entry's own defect, if any
    body: bytes = b""  # SHA-256 of the canonical body, for an entry without a defect


_ENTRY_KEYS = frozenset({"v", "seq", "prev", "time", "body", "sig"})
_SIG_KEYS = frozenset({"alg", "kid", "value"})
_MAX_SAFE_INT = 2**53 - 1


def _strings_only(value: Any) -> bool:
    """Objects, arrays and strings only, keys in the BMP: the schema of entry bodies, where sorted
    orjson is byte-identical to RFC 8785 (no numbers to format, no UTF-16 key-order surprises).
    Iterative: this runs for every entry of a full-log check."""
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str:
            continue
        if kind is dict:
            for key in item:
                if not key.isascii() and max(key) > "\uffff":
                    return False
            extend(item.values())
        elif kind is list:
            extend(item)
        else:
            return False
    return True


def _check_entry(
    index: int, data: bytes, stored_leaf: bytes | None, submitters: Mapping[tuple[str, str], bytes]
) -> _Checked:
    digest = sha256(b"\x00" + data).digest()
    try:
        entry = orjson.loads(data)
    except orjson.JSONDecodeError:
        entry = None
    if type(entry) is not dict or entry.keys() != _ENTRY_KEYS:
        return _Checked(index, digest, None, "not_an_entry")
    prev = entry["prev"] if type(entry["prev"]) is str else None
    if stored_leaf is not None and stored_leaf != digest:
        return _Checked(index, digest, prev, "leaf_hash_mismatch")
    reason, body = _defect(index, data, entry, submitters)
    return _Checked(index, digest, prev, reason, body)


def _defect(
    index: int, data: bytes, entry: dict[str, Any], submitters: Mapping[tuple[str, str], bytes]
) -> tuple[str | None, bytes]:
    """The entry's own defect (not canonical, wrong seq, unknown key or bad signature), or None
    and its body's hash."""
    body, sig, seq = entry["body"], entry["sig"], entry["seq"]
    if (
        type(entry["v"]) is int
        and type(seq) is int
        and 0 <= seq <= _MAX_SAFE_INT
        and type(entry["prev"]) is str
        and type(entry["time"]) is str
        and _strings_only(sig)
        and _strings_only(body)
    ):
        # The fast path, exact under this schema: one sorted orjson pass instead of the RFC 8785
        # reference walk, and the body's canonical bytes without a second check.
        if orjson.dumps(entry, option=orjson.OPT_SORT_KEYS) != data:
            return "not_canonical", b""
        signed = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    else:
        try:
            if canonical(entry) != data:
                return "not_canonical", b""
            signed = canonical(body)
        except (NonCanonicalValue, ValueError, TypeError):
            return "not_canonical", b""
    if entry["v"] != ENTRY_VERSION or seq != index:
        return "seq_mismatch", b""
    if type(body) is not dict or type(sig) is not dict:
        return "not_an_entry", b""
    key = submitters.get((str(body.get("submitter")), str(sig.get("kid"))))
    if key is None or sig.get("alg") != "Ed25519":
        return "unknown_submitter_key", b""
    try:
        signature = base64.b64decode(str(sig.get("value")), validate=True)
        if len(signature) != 64:
            return "bad_signature", b""
        crypto_sign_open(signature + signed, key)
    except (BadSignatureError, ValueError):
        return "bad_signature", b""
    return None, sha256(signed).digest()


Row = tuple[int, bytes, bytes | None]


def _check_chunk(chunk: list[Row], submitters: Mapping[tuple[str, str], bytes]) -> list[_Checked]:
    return [_check_entry(i, data, stored, submitters) for i, data, stored in chunk]


def _chunks(rows: Iterable[Row]) -> Iterator[list[Row]]:
    it = iter(rows)
    while chunk := list(islice(it, _CHUNK)):
        yield chunk


def _checked(rows: Iterable[Row], keys: TrustedKeys, workers: int) -> Iterator[list[_Checked]]:
    """Chunks of checked entries, in order. Ed25519 verification releases the GIL, so `workers`
    threads use as many cores; at most 2 × workers chunks are in flight (bounded memory)."""
    submitters = keys.submitter_keys()
    chunks = _chunks(rows)
    first = next(chunks, None)
    if first is None:
        return
    if workers <= 1 or len(first) < _CHUNK:  # a small log: no pool to start
        yield _check_chunk(first, submitters)
        for chunk in chunks:
            yield _check_chunk(chunk, submitters)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="log-verify") as pool:
        futures: deque[Future[list[_Checked]]] = deque([pool.submit(_check_chunk, first, submitters)])
        for chunk in chunks:
            futures.append(pool.submit(_check_chunk, chunk, submitters))
            if len(futures) > 2 * workers:
                yield futures.popleft().result()
        while futures:
            yield futures.popleft().result()


def _check_checkpoint(note: str, keys: TrustedKeys, report: LogReport) -> Checkpoint | None:
    try:
        opened = open_note(note, [keys.log])
        checkpoint = Checkpoint.from_text(opened.text)
    except NoteError:
        report.problems.append((None, "checkpoint_signature_invalid"))
        return None
    except CheckpointError:
        report.problems.append((None, "checkpoint_malformed"))
        return None
    if checkpoint.origin != keys.log.name:
        report.problems.append((None, "checkpoint_origin_mismatch"))
    text = opened.text.encode()
    known = {(w.name, w.key_id): w for w in keys.witnesses}
    cosigned = set()
    for sig in parse_note(note).signatures:
        witness = known.get((sig.name, sig.key_id))
        if witness is None:
            continue
        if witness.verify(text, sig.signature):
            cosigned.add((sig.name, sig.key_id))
        else:
            report.problems.append((None, "cosignature_invalid"))
    report.checkpoint_size = checkpoint.size
    report.cosignatures = len(cosigned)
    if len(cosigned) < keys.quorum:
        report.problems.append((None, "quorum_not_met"))
    return checkpoint


def verify_log(
    rows: Iterable[tuple[int, bytes, bytes | None]],
    checkpoint_note: str | None,
    keys: TrustedKeys,
    *,
    workers: int = 2,
) -> LogReport:
    """Check `rows` = (index, entry bytes, stored leaf hash or None) in index order from 0,
    against the latest checkpoint. Signature checks run on `workers` threads (PyNaCl releases the
    GIL), which is what lets a full check keep up with a busy log."""
    report = LogReport()
    checkpoint = _check_checkpoint(checkpoint_note, keys, report) if checkpoint_note else None
    if checkpoint_note is None:
        report.problems.append((None, "no_checkpoint"))
    compact = CompactRange()
    root_at_checkpoint = compact.root() if checkpoint is not None and checkpoint.size == 0 else None
    target = checkpoint.size if checkpoint is not None else None
    expected = GENESIS_PREV
    pending: int | None = None  # index whose `prev` missed its predecessor's leaf hash
    found: set[tuple[int, str]] = set()
    bodies: set[bytes] = set()
    for chunk in _checked(rows, keys, workers):
        leaves = []
        for checked in chunk:
            if checked.index != report.entries:
                found.add((report.entries, "missing_entry"))
                break
            if checked.reason is not None:
                found.add((checked.index, checked.reason))
            elif checked.body in bodies:  # the log takes a body once: a repeat is a replay
                found.add((checked.index, "duplicate_body"))
            else:
                bodies.add(checked.body)
            broken = checked.prev != expected
            if pending is not None:
                # Link i broke. If link i+1 breaks too, entry i itself changed (its leaf hash moved
                # with it); if link i+1 holds, entry i-1 changed under an intact pointer.
                found.add((pending if broken else pending - 1, "hash_link_broken"))
                pending = None
            elif broken:
                pending = checked.index
            leaves.append(checked.leaf)
            expected = checked.leaf.hex()
            report.entries += 1
            if report.entries == target:
                compact.extend(leaves)
                leaves = []
                root_at_checkpoint = compact.root()
        else:
            compact.extend(leaves)
            continue
        break  # a missing entry ends the walk
    if pending is not None:  # the last link: blame the changed content, the likelier edit
        found.add((max(pending - 1, 0), "hash_link_broken"))
    report.problems.extend(sorted(found))
    if checkpoint is not None:
        if report.entries < checkpoint.size:
            report.problems.append((None, "log_shorter_than_checkpoint"))
        elif root_at_checkpoint != checkpoint.root_hash:
            report.problems.append((None, "root_mismatch"))
    return report


@dataclass(frozen=True)
class EvidenceReport:
    """A receipt checked offline, with the document and CMS it vouches for, when given."""

    receipt: ReceiptReport
    errors: tuple[str, ...]
    submitter_signature_ok: bool
    doc_ok: bool | None = None
    cms_hash_ok: bool | None = None
    cms_reports: tuple[Any, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        r = self.receipt
        return {
            "ok": self.ok,
            "errors": list(self.errors),
            "index": r.index,
            "leaf_hash": r.leaf_hash.hex() if r.leaf_hash else None,
            "kind": (r.entry or {}).get("body", {}).get("kind"),
            "ref": (r.entry or {}).get("body", {}).get("ref"),
            "submitter": (r.entry or {}).get("body", {}).get("submitter"),
            "checkpoint": {"origin": r.origin, "size": r.checkpoint_size},
            "log_signature_ok": r.log_signature_ok,
            "inclusion_ok": r.inclusion_ok,
            "witnesses": [{"name": w.name, "timestamp": w.timestamp} for w in r.witnesses],
            "quorum": {"needed": r.quorum, "ok": r.quorum_ok},
            "submitter_signature_ok": self.submitter_signature_ok,
            "doc_sha256_ok": self.doc_ok,
            "cms_sha256_ok": self.cms_hash_ok,
            "cms_signers": [getattr(c, "to_dict", lambda c=c: str(c))() for c in self.cms_reports],
        }


def verify_evidence(
    receipt_text: str | bytes,
    keys: TrustedKeys,
    *,
    doc: bytes | None = None,
    cms: bytes | None = None,
    validate_cms: Any = None,
) -> EvidenceReport:
    """Receipt → entry → document → CMS, offline. `validate_cms(cms, doc)` (e.g. a closure over
    `common.eds.validate_cms` with trust anchors and revocation data) returns signer reports that
    each have `.passed`; without it only the CMS's hash is matched against the entry."""
    receipt = verify_receipt(receipt_text, keys.log, keys.witnesses, keys.quorum)
    errors = list(receipt.errors)
    entry = receipt.entry or {}
    body = entry.get("body") if isinstance(entry.get("body"), dict) else {}
    signature_ok = False
    if receipt.leaf_hash is not None and body:
        checked = _check_entry(
            receipt.index or 0, base64.b64decode(_extra(receipt_text)), None, keys.submitter_keys()
        )
        signature_ok = checked.reason is None
        if not signature_ok:
            errors.append(f"entry_{checked.reason}")
    doc_ok = cms_ok = None
    reports: tuple[Any, ...] = ()
    if doc is not None:
        doc_ok = hashlib.sha256(doc).hexdigest() == body.get("doc", {}).get("sha256")
        if not doc_ok:
            errors.append("doc_hash_mismatch")
    if cms is not None:
        digest = hashlib.sha256(cms).hexdigest()
        cms_ok = any(e.get("sha256") == digest for e in body.get("evidence", []) if isinstance(e, dict))
        if not cms_ok:
            errors.append("cms_hash_mismatch")
        if validate_cms is not None and doc is not None:
            reports = tuple(validate_cms(cms, doc))
            if not reports or not all(r.passed for r in reports):
                errors.append("cms_not_valid")
    return EvidenceReport(receipt, tuple(errors), signature_ok, doc_ok, cms_ok, reports)


def _extra(receipt_text: str | bytes) -> str:
    text = receipt_text.decode() if isinstance(receipt_text, bytes) else receipt_text
    for line in text.split("\n", 3)[:3]:
        if line.startswith("extra "):
            return line.removeprefix("extra ")
    return ""
