"""Revocation answers of the mock CA: a full CRL and RFC 6960 OCSP responses.

Both are pure functions of the register, the signing keys and the time, so the HTTP layer
and tests can call them without a server.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp

from common.eds.index import CertificateRecord

__all__ = ["CRL_VALIDITY", "OCSP_VALIDITY", "answer_ocsp", "build_crl"]

CRL_VALIDITY = timedelta(hours=24)
OCSP_VALIDITY = timedelta(hours=1)

# CertID hash algorithms we answer for (OpenSSL sends SHA-1, NCA clients SHA-256).
_CERT_ID_HASHES = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}


def build_crl(
    *,
    issuer: x509.Certificate,
    issuer_key: rsa.RSAPrivateKey,
    revoked: Iterable[CertificateRecord],
    number: int,
    now: datetime,
) -> bytes:
    """A complete CRL (DER) of the issuer, valid for CRL_VALIDITY from `now`."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(now)
        .next_update(now + CRL_VALIDITY)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()), critical=False
        )
    )
    for record in revoked:
        if record.revoked_at is None:
            continue
        entry = (
            x509.RevokedCertificateBuilder().serial_number(record.serial).revocation_date(record.revoked_at)
        )
        if record.revocation_reason not in (None, x509.ReasonFlags.unspecified):
            # RFC 5280 §5.3.1: the reason code "unspecified" should be omitted, not encoded.
            entry = entry.add_extension(x509.CRLReason(record.revocation_reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def answer_ocsp(
    request_der: bytes,
    *,
    issuer: x509.Certificate,
    responder: x509.Certificate,
    responder_key: rsa.RSAPrivateKey,
    lookup: Callable[[int], CertificateRecord | None],
    now: datetime,
) -> bytes:
    """The DER OCSP response to one request: good, revoked or unknown, signed by the delegated
    responder; malformed requests and foreign issuers get an unsigned error status."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        hash_name = request.hash_algorithm.name
    except (ValueError, TypeError):  # garbage, several requests in one, or an odd hash
        return _error(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    if hash_name not in _CERT_ID_HASHES:
        return _error(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    name_hash, key_hash = _issuer_hashes(issuer, hash_name)
    if (request.issuer_name_hash, request.issuer_key_hash) != (name_hash, key_hash):
        return _error(ocsp.OCSPResponseStatus.UNAUTHORIZED)

    record = lookup(request.serial_number)
    if record is None:
        status, revoked_at, reason = ocsp.OCSPCertStatus.UNKNOWN, None, None
    elif record.revoked_at is not None:
        status, revoked_at, reason = ocsp.OCSPCertStatus.REVOKED, record.revoked_at, record.revocation_reason
    else:
        status, revoked_at, reason = ocsp.OCSPCertStatus.GOOD, None, None
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=name_hash,
            issuer_key_hash=key_hash,
            serial_number=request.serial_number,
            algorithm=request.hash_algorithm,
            cert_status=status,
            this_update=now,
            next_update=now + OCSP_VALIDITY,
            revocation_time=revoked_at,
            revocation_reason=reason,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, responder)
        .certificates([responder])
    )
    nonce = _nonce(request)
    if nonce is not None:
        builder = builder.add_extension(nonce, critical=False)
    return builder.sign(responder_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _issuer_hashes(issuer: x509.Certificate, hash_name: str) -> tuple[bytes, bytes]:
    digest = _CERT_ID_HASHES[hash_name]
    name_der = issuer.subject.public_bytes()
    # The key hash covers the subjectPublicKey BIT STRING contents, which for RSA is PKCS#1.
    key_der = issuer.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return digest(name_der).digest(), digest(key_der).digest()


def _nonce(request: ocsp.OCSPRequest) -> x509.OCSPNonce | None:
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value
    except x509.ExtensionNotFound:
        return None


def _error(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)
