"""Join tokens (short-lived, bound to one participant's IIN and role in one room) and session
tokens (opaque; only their SHA-256 is stored)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from common.problems import Problem
from common.service_keys import ServiceKey

__all__ = ["JoinClaims", "mint_join_token", "new_session_token", "read_join_token", "token_sha256"]

_AUDIENCE = "videoconf-join"


def _secret(key: ServiceKey) -> bytes:
    # A MAC key derived from the service key: join tokens are read only by this service.
    return hashlib.sha256(b"videoconf-join-token\x00" + bytes(key.signing_key)).digest()


@dataclass(frozen=True, slots=True)
class JoinClaims:
    room_id: str
    participant_id: str
    iin: str
    role: str


def mint_join_token(key: ServiceKey, claims: JoinClaims, ttl_s: int) -> tuple[str, datetime]:
    expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=ttl_s)
    payload = {
        "aud": _AUDIENCE,
        "room": claims.room_id,
        "sub": claims.participant_id,
        "iin": claims.iin,
        "role": claims.role,
        "exp": int(expires_at.timestamp()),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(payload, _secret(key), algorithm="HS256"), expires_at


def read_join_token(key: ServiceKey, token: str) -> JoinClaims:
    try:
        data = jwt.decode(token, _secret(key), algorithms=["HS256"], audience=_AUDIENCE)
    except jwt.ExpiredSignatureError:
        raise Problem(
            401, "video.invitation_expired", "The invitation has expired; ask for a new one"
        ) from None
    except jwt.PyJWTError:
        raise Problem(401, "video.invitation_invalid", "The invitation link is not valid") from None
    return JoinClaims(data["room"], data["sub"], data["iin"], data["role"])


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_token() -> str:
    return secrets.token_urlsafe(32)
