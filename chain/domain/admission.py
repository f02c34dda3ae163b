"""Who may append what, and what a body must look like (DESIGN.md §4) — pure rules.

Stateless checks run before a body reaches the sequencer; the stateful rule on encumbrances
(`encumbrance_change`) runs inside the sequencer's transaction against the live-encumbrance
table, so two concurrent registrations on one property cannot both pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "KINDS_BY_SUBMITTER",
    "PROPERTY_KINDS",
    "AdmissionError",
    "EncumbranceChange",
    "check_body",
    "check_submitter",
    "encumbrance_change",
]

KINDS_BY_SUBMITTER: dict[str, frozenset[str]] = {
    "portal": frozenset({"lease.signed", "refusal.issued", "letter.issued"}),
    "consent": frozenset({"consent.granted", "consent.revoked"}),
    "registry_gateway": frozenset(
        {
            "registration.submitted",
            "registration.suspended",
            "registration.refused",
            "encumbrance.registered",
            "encumbrance.terminated",
            "ownership.registered",
        }
    ),
    "videoconf": frozenset({"video.verified"}),
}
ALL_KINDS = frozenset().union(*KINDS_BY_SUBMITTER.values())
# Kinds about one property: their `ref` must carry its cadastral number.
PROPERTY_KINDS = frozenset(
    k for k in ALL_KINDS if k.split(".")[0] in {"registration", "encumbrance", "ownership"}
)

CADASTRAL_NUMBER = "cadastral_number"
ENCUMBRANCE_INDEX = "encumbrance_index"

_HEX64 = re.compile(r"[0-9a-f]{64}")
_REF_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_REF_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._/\-]{0,127}")
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9.+\-]*/[a-z0-9][a-z0-9.+\-]*")
_EVIDENCE_TYPE = re.compile(r"[a-z0-9][a-z0-9.\-]{0,49}")
# RFC 3339 UTC as common.entries.rfc3339 spells it: one spelling keeps equal bodies byte-equal.
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
_BODY_KEYS = frozenset({"kind", "ref", "doc", "evidence", "submitter", "submitted_at"})
_MAX_REF_KEYS = 16
_MAX_EVIDENCE = 16


class AdmissionError(Exception):
    """A refused append; `code` is the stable problem code, `status` the HTTP status."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def _invalid(detail: str) -> AdmissionError:
    return AdmissionError(422, "chain.body_invalid", detail)


def _str(value: Any, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _invalid(f"{what} is malformed")
    return value


def check_body(body: Any) -> None:
    """The schema every body follows, plus the per-kind `ref` keys. Only strings: no floats or
    large integers can sneak in, so the fast canonical form stays byte-identical to RFC 8785."""
    if not isinstance(body, dict) or set(body) != _BODY_KEYS:
        raise _invalid(f"a body has exactly the keys {sorted(_BODY_KEYS)}")
    kind = body["kind"]
    if not isinstance(kind, str) or kind not in ALL_KINDS:
        raise AdmissionError(422, "chain.kind_unknown", f"unknown entry kind {kind!r}")
    ref = body["ref"]
    if not isinstance(ref, dict) or not 1 <= len(ref) <= _MAX_REF_KEYS:
        raise AdmissionError(422, "chain.ref_invalid", f"ref must map 1..{_MAX_REF_KEYS} ids")
    for key, value in ref.items():
        if not isinstance(key, str) or not _REF_KEY.fullmatch(key):
            raise AdmissionError(422, "chain.ref_invalid", f"ref key {key!r} is malformed")
        if not isinstance(value, str) or not _REF_VALUE.fullmatch(value):
            raise AdmissionError(422, "chain.ref_invalid", f"ref value of {key!r} is not an opaque id")
    doc = body["doc"]
    if not isinstance(doc, dict) or set(doc) != {"sha256", "media_type"}:
        raise _invalid("doc has exactly the keys sha256 and media_type")
    _str(doc["sha256"], _HEX64, "doc.sha256")
    _str(doc["media_type"], _MEDIA_TYPE, "doc.media_type")
    evidence = body["evidence"]
    if not isinstance(evidence, list) or len(evidence) > _MAX_EVIDENCE:
        raise _invalid(f"evidence is a list of at most {_MAX_EVIDENCE} items")
    for item in evidence:
        if not isinstance(item, dict) or set(item) != {"type", "sha256"}:
            raise _invalid("each evidence item has exactly the keys type and sha256")
        _str(item["type"], _EVIDENCE_TYPE, "evidence.type")
        _str(item["sha256"], _HEX64, "evidence.sha256")
    if not isinstance(body["submitter"], str):
        raise _invalid("submitter is a service name")
    _str(body["submitted_at"], _TIME, "submitted_at (RFC 3339 UTC with milliseconds)")
    _check_ref_for_kind(kind, ref)


def _check_ref_for_kind(kind: str, ref: dict[str, str]) -> None:
    if kind in PROPERTY_KINDS and CADASTRAL_NUMBER not in ref:
        raise AdmissionError(422, "chain.ref_invalid", f"{kind} must name the property's {CADASTRAL_NUMBER}")
    if kind == "encumbrance.terminated":
        value = ref.get(ENCUMBRANCE_INDEX, "")
        if not value.isdigit() or (len(value) > 1 and value[0] == "0"):
            raise AdmissionError(
                422,
                "chain.ref_invalid",
                f"encumbrance.terminated must name the live registration's index in {ENCUMBRANCE_INDEX}",
            )


def check_submitter(body: dict[str, Any], caller: str) -> None:
    """The authenticated caller must be the body's submitter, and the kind must be its own."""
    if body["submitter"] != caller:
        raise AdmissionError(
            403,
            "chain.submitter_mismatch",
            f"{caller!r} may not append a body submitted by {body['submitter']!r}",
        )
    if body["kind"] not in KINDS_BY_SUBMITTER.get(caller, frozenset()):
        raise AdmissionError(403, "chain.kind_not_allowed", f"{caller!r} may not append {body['kind']!r}")


@dataclass(frozen=True, slots=True)
class EncumbranceChange:
    """The live-encumbrance table after an entry: `registered_index` None means released."""

    cadastral_number: str
    registered_index: int | None


def encumbrance_change(body: dict[str, Any], index: int, live_index: int | None) -> EncumbranceChange | None:
    """Apply the encumbrance rules to an entry about to get `index`; `live_index` is the index of
    the property's live encumbrance.registered entry, if any."""
    kind = body["kind"]
    if kind not in {"encumbrance.registered", "encumbrance.terminated"}:
        return None
    cadastral = body["ref"][CADASTRAL_NUMBER]
    if kind == "encumbrance.registered":
        if live_index is not None:
            raise AdmissionError(
                409,
                "chain.encumbrance_exists",
                f"property {cadastral} already has a live encumbrance (entry {live_index})",
            )
        return EncumbranceChange(cadastral, index)
    named = int(body["ref"][ENCUMBRANCE_INDEX])
    if live_index != named:
        raise AdmissionError(
            409,
            "chain.encumbrance_not_live",
            f"entry {named} is not the live encumbrance of property {cadastral}",
        )
    return EncumbranceChange(cadastral, None)
