"""CRL and OCSP of the mock CA, read back by cryptography, OpenSSL and over HTTP."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID
from fastapi import FastAPI

from common.eds import Identity, MockCA
from common.eds.http import pki_router
from tests.support.live import free_port, serve

from .conftest import make_iin

# OpenSSL identifies certificates in OCSP by SHA-1 CertIDs: a lookup key, not a security hash.
SHA1 = hashes.SHA1()  # noqa: S303


@pytest.fixture(scope="module")
def revoked_and_good(ca: MockCA) -> tuple[x509.Certificate, x509.Certificate]:
    revoked = ca.issue(Identity.individual(make_iin("83030330023"), "Отозванов", "Марат")).sign.certificate
    good = ca.issue(Identity.individual(make_iin("77040430034"), "Действующая", "Алия")).sign.certificate
    ca.revoke(revoked.serial_number, x509.ReasonFlags.key_compromise)
    return revoked, good


def _request(cert: x509.Certificate, issuer: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, algorithm)
    return (
        builder.add_extension(x509.OCSPNonce(b"0123456789abcdef"), critical=False)
        .build()
        .public_bytes(serialization.Encoding.DER)
    )


def test_crl_lists_revoked_certificates_and_numbers_increase(
    ca: MockCA, revoked_and_good: tuple[x509.Certificate, x509.Certificate]
) -> None:
    revoked, good = revoked_and_good
    crl = x509.load_der_x509_crl(ca.crl())
    assert crl.is_signature_valid(ca.intermediate.public_key())
    assert crl.issuer == ca.intermediate.subject
    entry = crl.get_revoked_certificate_by_serial_number(revoked.serial_number)
    assert entry is not None
    assert (
        entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        is x509.ReasonFlags.key_compromise
    )
    assert crl.get_revoked_certificate_by_serial_number(good.serial_number) is None
    number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert x509.load_der_x509_crl(ca.crl()) == crl  # unchanged register: the cached CRL
    ca.revoke(good.serial_number)
    newer = x509.load_der_x509_crl(ca.crl())
    assert newer.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == number + 1
    assert newer.get_revoked_certificate_by_serial_number(good.serial_number) is not None


@pytest.mark.parametrize("algorithm", [SHA1, hashes.SHA256()])
def test_ocsp_answers_good_revoked_and_unknown(
    ca: MockCA,
    parties: dict,
    revoked_and_good: tuple[x509.Certificate, x509.Certificate],
    algorithm: hashes.HashAlgorithm,
) -> None:
    revoked, _ = revoked_and_good
    cases = {
        ocsp.OCSPCertStatus.REVOKED: revoked,
        ocsp.OCSPCertStatus.GOOD: parties["guarantor"].sign.certificate,
    }
    for expected, cert in cases.items():
        response = ocsp.load_der_ocsp_response(ca.ocsp_response(_request(cert, ca.intermediate, algorithm)))
        assert response.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
        assert response.certificate_status is expected
        assert response.serial_number == cert.serial_number
        assert response.hash_algorithm.name == algorithm.name
        assert response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"0123456789abcdef"
        responder = response.certificates[0]
        assert responder.issuer == ca.intermediate.subject
        assert (
            x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING
            in responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        )
        assert responder.extensions.get_extension_for_class(x509.OCSPNoCheck)


def test_ocsp_unknown_serial_unauthorised_issuer_and_garbage(
    ca: MockCA, foreign_ca: MockCA, parties: dict
) -> None:
    foreign = foreign_ca.issue(parties["applicant"].identity).sign.certificate
    # A serial this CA never issued, asked under its own issuer hashes: "unknown", never "good".
    builder = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        *_hashes(ca.intermediate), foreign.serial_number, hashes.SHA256()
    )
    unknown = ocsp.load_der_ocsp_response(
        ca.ocsp_response(builder.build().public_bytes(serialization.Encoding.DER))
    )
    assert unknown.certificate_status is ocsp.OCSPCertStatus.UNKNOWN
    other_issuer = ca.ocsp_response(_request(foreign, foreign_ca.intermediate, hashes.SHA256()))
    assert ocsp.load_der_ocsp_response(other_issuer).response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED
    garbage = ocsp.load_der_ocsp_response(ca.ocsp_response(b"garbage"))
    assert garbage.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_openssl_reads_the_ocsp_response(
    ca: MockCA, revoked_and_good: tuple[x509.Certificate, x509.Certificate], tmp_path: Path
) -> None:
    revoked, _ = revoked_and_good
    (tmp_path / "resp.der").write_bytes(ca.ocsp_response(_request(revoked, ca.intermediate, SHA1)))
    (tmp_path / "cert.pem").write_bytes(revoked.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "ica.pem").write_bytes(ca.intermediate.public_bytes(serialization.Encoding.PEM))
    result = subprocess.run(
        [
            "openssl", "ocsp", "-respin", str(tmp_path / "resp.der"), "-issuer", str(tmp_path / "ica.pem"),
            "-cert", str(tmp_path / "cert.pem"), "-CAfile", str(ca.directory / "ca.pem"), "-no_nonce",
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Response verify OK" in result.stderr + result.stdout
    assert "revoked" in result.stdout


def test_urls_in_certificates_reach_the_http_router(tmp_path: Path) -> None:
    port = free_port()
    ca = MockCA.create(tmp_path / "pki", base_url=f"http://127.0.0.1:{port}/pki")
    cert = ca.issue(Identity.individual(make_iin("83030330023"), "Сетевой", "Тест")).sign.certificate
    ca.revoke(cert)
    app = FastAPI()
    app.include_router(pki_router(ca))
    cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value[0].full_name[0].value
    aia = {
        d.access_method: d.access_location.value
        for d in cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    }
    with serve(app, port):
        crl = httpx.get(cdp)
        assert crl.headers["content-type"] == "application/pkix-crl"
        assert x509.load_der_x509_crl(crl.content).get_revoked_certificate_by_serial_number(
            cert.serial_number
        )

        answer = httpx.post(
            aia[AuthorityInformationAccessOID.OCSP],
            content=_request(cert, ca.intermediate, SHA1),
            headers={"content-type": "application/ocsp-request"},
        )
        assert answer.headers["content-type"] == "application/ocsp-response"
        assert ocsp.load_der_ocsp_response(answer.content).certificate_status is ocsp.OCSPCertStatus.REVOKED
        assert httpx.post(aia[AuthorityInformationAccessOID.OCSP], content=b"x" * 20_000).status_code == 413

        issuer = httpx.get(aia[AuthorityInformationAccessOID.CA_ISSUERS])
        assert x509.load_der_x509_certificate(issuer.content) == ca.intermediate
        bundle = httpx.get(f"http://127.0.0.1:{port}/pki/ca.pem")
        assert x509.load_pem_x509_certificates(bundle.content) == [ca.root, ca.intermediate]


def _hashes(issuer: x509.Certificate) -> tuple[bytes, bytes]:
    key = issuer.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return hashlib.sha256(issuer.subject.public_bytes()).digest(), hashlib.sha256(key).digest()
