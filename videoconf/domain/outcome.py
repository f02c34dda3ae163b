"""The outcome document the registrar signs: canonical JSON (RFC 8785), so its bytes and hash
are reproducible by anyone holding the same facts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from common.canonical import canonical_bytes

__all__ = ["MEDIA_TYPE", "outcome_document"]

MEDIA_TYPE = "application/vnd.rto.video-outcome+json"


def outcome_document(
    *,
    room: Mapping[str, Any],
    decision: str,
    reasons: Sequence[str],
    comment: str | None,
    registrar: Mapping[str, str],
    participants: Sequence[Mapping[str, Any]],
    recordings: Sequence[Mapping[str, Any]],
    journal_head: str,
    decided_at: str,
) -> bytes:
    return canonical_bytes(
        {
            "type": "rto.video.outcome",
            "v": 1,
            "room": dict(room),
            "decision": decision,
            "reasons": sorted(reasons),
            "comment": comment or "",
            "registrar": dict(registrar),
            "participants": [dict(p) for p in participants],
            "recordings": [dict(r) for r in recordings],
            "journal_head": journal_head,
            "decided_at": decided_at,
        }
    )
