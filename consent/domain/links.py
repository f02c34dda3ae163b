"""Signed links that let a subject open their consent pages without a portal session.

token = "<consent id>.<expiry unix seconds>.<HMAC-SHA256(secret, consent id | subject IIN | expiry)>"
The IIN is inside the MAC but not in the URL, so a link carries no personal data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["LinkClaims", "make_token", "parse_token", "token_valid"]


@dataclass(frozen=True, slots=True)
class LinkClaims:
    consent_id: str
    expires: int
    mac: str


def _mac(secret: bytes, consent_id: str, subject_iin: str, expires: int) -> str:
    digest = hmac.new(secret, f"{consent_id}|{subject_iin}|{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(secret: bytes, consent_id: str, subject_iin: str, expires_at: datetime) -> str:
    expires = int(expires_at.timestamp())
    return f"{consent_id}.{expires}.{_mac(secret, consent_id, subject_iin, expires)}"


def parse_token(token: str) -> LinkClaims | None:
    parts = token.split(".")
    if len(parts) != 3 or not (parts[1].isascii() and parts[1].isdigit()):  # "²".isdigit() too
        return None
    return LinkClaims(parts[0], int(parts[1]), parts[2])


def token_valid(secret: bytes, claims: LinkClaims, subject_iin: str, now: datetime | None = None) -> bool:
    if claims.expires < int((now or datetime.now(UTC)).timestamp()):
        return False
    return hmac.compare_digest(_mac(secret, claims.consent_id, subject_iin, claims.expires), claims.mac)
