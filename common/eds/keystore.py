"""PKCS#12 key stores: how a holder's private key and certificate chain travel together."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from common.eds.errors import EdsError

__all__ = ["KeyStore", "KeyStoreError", "dump_p12", "load_p12"]


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
    secret = password.encode() if isinstance(password, str) else password
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
    secret = password.encode() if isinstance(password, str) else password
    if not secret:
        raise ValueError("a PKCS#12 file must be protected by a password")
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode(),
        store.private_key,
        store.certificate,
        list(store.chain),
        serialization.BestAvailableEncryption(secret),
    )
