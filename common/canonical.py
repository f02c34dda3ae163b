"""Canonical JSON (RFC 8785, JCS) — the byte form every signature and hash in the system uses.

`canonical_bytes` is the reference (the `rfc8785` package). `fast_canonical_bytes` uses orjson and
is byte-identical under the schema our signed records follow (no floats, integers within ±2^53,
keys in the Basic Multilingual Plane); it refuses anything outside that schema instead of guessing.
"""

from __future__ import annotations

from typing import Any

import orjson
import rfc8785

__all__ = ["NonCanonicalValue", "canonical_bytes", "fast_canonical_bytes"]

_MAX_SAFE_INT = 2**53 - 1


class NonCanonicalValue(ValueError):
    """A value outside the restricted schema that the fast canonicaliser accepts."""


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 canonical form of a JSON value."""
    return rfc8785.dumps(value)


def _check(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NonCanonicalValue("object keys must be strings")
            if not key.isascii() and max(key) > "\uffff":
                raise NonCanonicalValue("keys outside the BMP sort differently in JCS")
            _check(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check(item)
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        return
    elif isinstance(value, int):
        if abs(value) > _MAX_SAFE_INT:
            raise NonCanonicalValue("integers beyond 2^53 are not interoperable JSON")
    else:
        raise NonCanonicalValue(f"{type(value).__name__} is not allowed in signed records")


def fast_canonical_bytes(value: Any) -> bytes:
    """Canonical JSON via orjson, for records that satisfy the restricted schema."""
    _check(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
