"""PKCS#12 key stores: how a holder's private key and certificate chain travel together."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from common.eds._cache import Lru, PerObject
from common.eds.errors import EdsError

__all__ = ["KeyStore", "KeyStoreError", "dump_p12", "load_p12"]


_OPENED: Lru[bytes, KeyStore] = Lru(64)
_DUMPED: PerObject[dict[bytes, bytes]] = PerObject(64)


class KeyStoreError(EdsError):
    """The PKCS#12 file cannot be opened: wrong password, damaged, or not an RSA key store."""


@dataclass(frozen=True, slots=True)
class KeyStore:
    """An opened PKCS#12 file. repr shows the certificate only, never key material."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # issuing CA first, as it goes into a CMS

    def __repr__(self) -> str:
        return f"KeyStore(subject={self.certificate.subject.rfc4514_string()!r})"


def load_p12(data: bytes, password: str | bytes) -> KeyStore:
    """Open a PKCS#12 file. The same file and password give the same (immutable) KeyStore again
    from memory: opening re-checks the RSA key, which costs more than a signature."""
    secret = password.encode() if isinstance(password, str) else password
    # Keyed by a digest of file and password together: neither is kept, nor can the key be
    # reached without both.
    key = hashlib.sha256(len(data).to_bytes(8, "big") + data + secret).digest()
    return _OPENED.get(key, lambda: _open_p12(data, secret))


def _open_p12(data: bytes, secret: bytes) -> KeyStore:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, secret)
    except ValueError as exc:
        # cryptography says only "Invalid password or PKCS12 data"; so do we.
        raise KeyStoreError("eds.keystore.unreadable", "wrong password or not a PKCS#12 file") from exc
    if not isinstance(key, rsa.RSAPrivateKey) or cert is None:
        raise KeyStoreError(
            "eds.keystore.unsupported", "the PKCS#12 file holds no RSA key with a certificate"
        )
    return KeyStore(key, cert, tuple(extra))


def dump_p12(store: KeyStore, password: str | bytes, friendly_name: str) -> bytes:
    """The store as a password-protected PKCS#12 file; the same store, password and name give
    the same file again (encrypting it anew would only change its salt)."""
    secret = password.encode() if isinstance(password, str) else password
    if not secret:
        raise ValueError("a PKCS#12 file must be protected by a password")
    key = hashlib.sha256(len(secret).to_bytes(8, "big") + secret + friendly_name.encode()).digest()
    by_password = _DUMPED.get(store, dict)
    if key not in by_password:
        by_password[key] = _serialize(store, secret, friendly_name)
    return by_password[key]


def _serialize(store: KeyStore, secret: bytes, friendly_name: str) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode(),
        store.private_key,
        store.certificate,
        list(store.chain),
        serialization.BestAvailableEncryption(secret),
    )
