"""The room journal's hash chain: each event commits to the previous one, so an edited or
removed event breaks every later hash."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from common.canonical import canonical_bytes

__all__ = ["GENESIS", "chain_ok", "event_hash"]

GENESIS = "0" * 64


def event_hash(prev: str, event: Mapping[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev) + canonical_bytes(dict(event))).hexdigest()


def chain_ok(events: Iterable[tuple[Mapping[str, Any], str]]) -> bool:
    """True when every (event, stored hash) pair links to its predecessor."""
    prev = GENESIS
    for event, stored in events:
        if event_hash(prev, event) != stored:
            return False
        prev = stored
    return True
