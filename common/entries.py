"""Chain entries (DESIGN.md §4): the body a service signs and the entry the log wraps around it.

    entry = {"v": 1, "seq": N, "prev": <hex leaf hash of entry N-1>, "time": <RFC 3339 UTC>,
             "body": {"kind", "ref", "doc": {"sha256", "media_type"}, "evidence": [{"type", "sha256"}],
                      "submitter", "submitted_at"},
             "sig": {"alg": "Ed25519", "kid", "value"}}

`sig` is the submitter's Ed25519 signature over the canonical (RFC 8785) bytes of `body`.
Entries carry no personal data: only hashes, opaque ids and cadastral numbers.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from common.canonical import canonical_bytes
from common.service_keys import ServiceKey

__all__ = [
    "ENTRY_VERSION",
    "GENESIS_PREV",
    "KINDS",
    "InvalidEntrySignature",
    "build_body",
    "rfc3339",
    "sign_body",
    "verify_body_signature",
]

ENTRY_VERSION = 1
GENESIS_PREV = "0" * 64
KINDS = (
    "lease.signed",
    "consent.granted",
    "consent.revoked",
    "registration.submitted",
    "video.verified",
    "encumbrance.registered",
    "registration.suspended",
    "registration.refused",
    "encumbrance.terminated",
    "ownership.registered",
    "letter.issued",
    "refusal.issued",
)


class InvalidEntrySignature(ValueError):
    pass


def rfc3339(moment: datetime) -> str:
    """UTC, millisecond precision, `Z` suffix — one spelling so equal times give equal bytes."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every time in the system is timezone-aware UTC")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_body(
    *,
    kind: str,
    ref: dict[str, str],
    doc_sha256: str,
    media_type: str,
    evidence: list[dict[str, str]],
    submitter: str,
    submitted_at: datetime,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "ref": dict(ref),
        "doc": {"sha256": doc_sha256, "media_type": media_type},
        "evidence": [{"type": e["type"], "sha256": e["sha256"]} for e in evidence],
        "submitter": submitter,
        "submitted_at": rfc3339(submitted_at),
    }


def sign_body(body: dict[str, Any], key: ServiceKey) -> dict[str, str]:
    signature = key.sign(canonical_bytes(body))
    return {"alg": "Ed25519", "kid": key.kid, "value": base64.b64encode(signature).decode()}


def verify_body_signature(body: dict[str, Any], sig: dict[str, str], public_key: bytes) -> None:
    if sig.get("alg") != "Ed25519":
        raise InvalidEntrySignature(f"unsupported algorithm {sig.get('alg')!r}")
    try:
        VerifyKey(public_key).verify(canonical_bytes(body), base64.b64decode(sig["value"], validate=True))
    except (BadSignatureError, ValueError, KeyError) as exc:
        raise InvalidEntrySignature("submitter signature does not verify") from exc
