"""EDS login for a service's own pages: the browser signs a challenge with the holder's
authentication key (NCALayer), the service checks it with `common.eds.verify_login` and hands
out a session cookie.

Both the challenge and the session are stateless tokens MAC'd with a key derived from the
service key, so any worker of the service can check them and no table is needed. A challenge
lives two minutes and is single-use within the process that accepts it.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from common.eds import LoginError, LoginIdentity, RevocationSource, TrustAnchors, new_challenge, verify_login
from common.problems import Problem
from common.service_keys import ServiceKey

__all__ = ["LoginChallenge", "PageLogin"]


@dataclass(frozen=True, slots=True)
class LoginChallenge:
    challenge_b64: str  # what the holder signs (detached CMS, authentication key)
    token: str  # sent back with the signature; binds the challenge and its expiry
    expires_at: datetime


class PageLogin:
    """Challenges and session tokens of one page area (`scope`, e.g. "registrar"); problems
    carry codes `<scope>.challenge_invalid`, `<scope>.login_failed.<auth code>`."""

    def __init__(
        self, key: ServiceKey, scope: str, *, challenge_ttl_s: int = 120, session_ttl_s: int = 8 * 3600
    ) -> None:
        self.scope = scope
        self.session_ttl_s = session_ttl_s
        self._challenge_ttl_s = challenge_ttl_s
        self._secret = hashlib.sha256(
            b"page-login\x00" + scope.encode() + b"\x00" + bytes(key.signing_key)
        ).digest()
        self._used: dict[str, float] = {}  # challenge -> monotonic expiry
        self._lock = threading.Lock()

    def challenge(self) -> LoginChallenge:
        nonce = base64.b64encode(new_challenge()).decode()
        expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=self._challenge_ttl_s)
        claims = {"aud": f"{self.scope}:challenge", "nonce": nonce, "exp": int(expires_at.timestamp())}
        return LoginChallenge(nonce, jwt.encode(claims, self._secret, algorithm="HS256"), expires_at)

    def verify(
        self, token: str, cms_der: bytes, trust: TrustAnchors, revocation: RevocationSource
    ) -> LoginIdentity:
        """Who signed the challenge behind `token` with their authentication key."""
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], audience=f"{self.scope}:challenge")
        except jwt.PyJWTError:
            raise Problem(
                401, f"{self.scope}.challenge_invalid", "The login challenge is unknown or expired"
            ) from None
        nonce = str(claims["nonce"])
        self._spend(nonce)
        try:
            return verify_login(cms_der, base64.b64decode(nonce), trust, revocation)
        except LoginError as exc:
            raise Problem(401, f"{self.scope}.login_failed.{exc.code}", str(exc)) from None

    def session_token(self, iin: str) -> str:
        claims = {"aud": f"{self.scope}:session", "sub": iin, "exp": int(time.time()) + self.session_ttl_s}
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def session_iin(self, token: str | None) -> str | None:
        """The IIN a valid session token was issued to, else None."""
        if not token:
            return None
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], audience=f"{self.scope}:session")
        except jwt.PyJWTError:
            return None
        return str(claims["sub"])

    def _spend(self, nonce: str) -> None:
        now = time.monotonic()
        with self._lock:
            for stale in [n for n, until in self._used.items() if until < now]:
                del self._used[stale]
            if nonce in self._used:
                raise Problem(401, f"{self.scope}.challenge_invalid", "The login challenge was already used")
            self._used[nonce] = now + self._challenge_ttl_s + 5
