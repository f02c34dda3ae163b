"""Each service's Ed25519 key: signs its chain entries and its service-to-service tokens.

In development the key is derived from a public seed (sha256("rto-dev-service-key:" + name)),
so every process and every test agrees without a key exchange; outside development the
settings refuse to start without a real seed.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache

from nacl.signing import SigningKey, VerifyKey

__all__ = ["ServiceKey", "development_key", "load_service_key"]


@dataclass(frozen=True)
class ServiceKey:
    service: str
    signing_key: SigningKey

    @property
    def verify_key(self) -> VerifyKey:
        return self.signing_key.verify_key

    @property
    def public_bytes(self) -> bytes:
        return bytes(self.signing_key.verify_key)

    @property
    def kid(self) -> str:
        """Key id: service name and the first 8 bytes of SHA-256 of the public key (hex)."""
        return f"{self.service}:{hashlib.sha256(self.public_bytes).hexdigest()[:16]}"

    def sign(self, message: bytes) -> bytes:
        return self.signing_key.sign(message).signature

    def jwk(self) -> dict[str, str]:
        x = base64.urlsafe_b64encode(self.public_bytes).rstrip(b"=").decode()
        return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": self.kid, "alg": "EdDSA", "use": "sig"}


@cache
def development_key(service: str) -> ServiceKey:
    seed = hashlib.sha256(f"rto-dev-service-key:{service}".encode()).digest()
    return ServiceKey(service, SigningKey(seed))


def load_service_key(service: str, seed_hex: str | None) -> ServiceKey:
    if not seed_hex:
        return development_key(service)
    return ServiceKey(service, SigningKey(bytes.fromhex(seed_hex)))
