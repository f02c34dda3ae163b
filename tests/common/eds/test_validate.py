"""Validation reports in ETSI terms: the outcomes the pilot relies on, and fail-closed cases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from common.eds import (
    CaRevocation,
    Identity,
    Indication,
    MockCA,
    RevocationData,
    RevocationStatus,
    Role,
    SignatureLevel,
    SubIndication,
    TrustAnchors,
    load_p12,
    merge,
    sign_detached,
    validate_cms,
)

from .conftest import APPLICANT, DOCUMENT, GUARANTOR, KHC_BIN, KHC_HEAD, PASSWORD, make_iin, sign_as

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def lease_cms(p12_files: dict[str, Path]) -> bytes:
    return merge([sign_as(p12_files[name]) for name in ("applicant", "guarantor", "khc_head")])


def _fresh_signer(ca: MockCA, first11: str, **validity: datetime) -> bytes:
    """A p12 for a new individual, so revoking it disturbs no other test."""
    issued = ca.issue(Identity.individual(make_iin(first11), "Уақытша", "Адам"), **validity)
    return issued.write(ca.directory.parent / first11, PASSWORD)[0].read_bytes()


def test_three_signer_lease_passes_with_full_reports(
    lease_cms: bytes, trust: TrustAnchors, revocation: CaRevocation
) -> None:
    reports = validate_cms(lease_cms, DOCUMENT, trust, revocation)
    assert [r.indication for r in reports] == [Indication.TOTAL_PASSED] * 3
    assert all(r.sub_indication is None and r.errors == () for r in reports)
    by_iin = {r.signer.iin: r for r in reports if r.signer is not None}
    assert set(by_iin) == {APPLICANT.iin, GUARANTOR.iin, KHC_HEAD.iin}

    khc = by_iin[KHC_HEAD.iin]
    assert khc.signer.bin == KHC_BIN
    assert khc.signer.roles == (Role.HEAD,)
    assert khc.signer.policies == ("1.2.398.3.3.2.1",)
    applicant = by_iin[APPLICANT.iin]
    assert (applicant.signer.common_name, applicant.signer.given_name, applicant.signer.patronymic) == (
        "ТЕСТОВ ТЕСТ",
        "ТЕСТ",
        "ТЕСТОВИЧ",
    )
    assert applicant.signature_level is SignatureLevel.CADES_BASELINE_B
    assert [len(r.chain) for r in reports] == [3, 3, 3]  # signer, issuing CA, root
    assert applicant.chain[-1].subject == trust.roots[0].subject.rfc4514_string()
    assert applicant.revocation.status is RevocationStatus.GOOD
    assert applicant.revocation.source == "OCSP"  # preferred when both are given
    assert applicant.claimed_signing_time is not None
    assert abs(applicant.claimed_signing_time - NOW) < timedelta(minutes=5)
    json.dumps([r.to_dict() for r in reports])  # JSON-ready as is


def test_one_flipped_byte_fails_every_signer_with_hash_failure(
    lease_cms: bytes, trust: TrustAnchors, revocation: CaRevocation
) -> None:
    tampered = bytearray(DOCUMENT)
    tampered[100] ^= 0x01
    reports = validate_cms(lease_cms, bytes(tampered), trust, revocation)
    assert {(r.indication, r.sub_indication) for r in reports} == {
        (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)
    }
    assert reports[0].errors == ("signature.hash_mismatch",)
    assert reports[0].signer is not None  # still says who it claims to be


def test_broken_signature_value_is_a_crypto_failure(
    p12_files: dict[str, Path], trust: TrustAnchors, revocation: CaRevocation
) -> None:
    content_info = cms.ContentInfo.load(sign_as(p12_files["applicant"]))
    signer_info = content_info["content"]["signer_infos"][0]
    value = bytearray(signer_info["signature"].native)
    value[-1] ^= 0xFF
    signer_info["signature"] = bytes(value)
    (report,) = validate_cms(content_info.dump(force=True), DOCUMENT, trust, revocation)
    assert (report.indication, report.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.SIG_CRYPTO_FAILURE,
    )


def test_expired_certificate_is_out_of_bounds_unless_proven_earlier(
    ca: MockCA, trust: TrustAnchors, revocation: CaRevocation
) -> None:
    p12 = _fresh_signer(
        ca, "70010130001", not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=35)
    )
    signed_at = NOW - timedelta(days=100)
    signature = sign_detached(DOCUMENT, p12, PASSWORD, signing_time=signed_at)
    (report,) = validate_cms(signature, DOCUMENT, trust, revocation)
    assert (report.indication, report.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.OUT_OF_BOUNDS_NO_POE,
    )
    assert report.errors == ("certificate.expired",)
    # A proof of existence inside the validity period (e.g. the chain entry) settles it.
    (proven,) = validate_cms(signature, DOCUMENT, trust, revocation, poe_time=signed_at)
    assert proven.indication is Indication.TOTAL_PASSED
    assert proven.best_signature_time == signed_at
    assert "certificate.expired_after_poe" in proven.warnings


def test_revoked_before_the_claimed_signing_time_fails(
    ca: MockCA, trust: TrustAnchors, revocation: CaRevocation
) -> None:
    p12 = _fresh_signer(ca, "66070730089")
    ca.revoke(_cert_of(p12), x509.ReasonFlags.key_compromise, NOW - timedelta(minutes=1))
    signature = sign_detached(DOCUMENT, p12, PASSWORD)  # claims "now", after the revocation
    (report,) = validate_cms(signature, DOCUMENT, trust, revocation)
    assert (report.indication, report.sub_indication) == (Indication.TOTAL_FAILED, SubIndication.REVOKED)
    assert "certificate.revoked_before_signing_time" in report.errors
    assert report.revocation.status is RevocationStatus.REVOKED
    assert report.revocation.reason == "keyCompromise"
    # The CRL alone says the same.
    (by_crl,) = validate_cms(signature, DOCUMENT, trust, CaRevocation(ca, ocsp=False))
    assert (by_crl.sub_indication, by_crl.revocation.source) == (SubIndication.REVOKED, "CRL")


def test_revoked_after_the_claimed_signing_time_needs_proof(
    ca: MockCA, trust: TrustAnchors, revocation: CaRevocation
) -> None:
    p12 = _fresh_signer(ca, "95121240012")
    signed_at = NOW - timedelta(minutes=3)
    signature = sign_detached(DOCUMENT, p12, PASSWORD, signing_time=signed_at)
    ca.revoke(_cert_of(p12), when=NOW - timedelta(minutes=1))
    (report,) = validate_cms(signature, DOCUMENT, trust, revocation)
    # A claimed time is no proof: a stolen key can backdate.
    assert (report.indication, report.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.REVOKED_NO_POE,
    )
    (proven,) = validate_cms(signature, DOCUMENT, trust, revocation, poe_time=signed_at)
    assert proven.indication is Indication.TOTAL_PASSED
    assert "certificate.revoked_after_poe" in proven.warnings
    (too_late,) = validate_cms(signature, DOCUMENT, trust, revocation, poe_time=NOW - timedelta(seconds=30))
    assert too_late.sub_indication is SubIndication.REVOKED_NO_POE


def test_foreign_ca_has_no_chain(
    foreign_ca: MockCA, trust: TrustAnchors, revocation: CaRevocation, tmp_path: Path
) -> None:
    issued = foreign_ca.issue(APPLICANT)  # same person, same names, other CA
    p12 = issued.write(tmp_path, PASSWORD)[0].read_bytes()
    (report,) = validate_cms(sign_detached(DOCUMENT, p12, PASSWORD), DOCUMENT, trust, revocation)
    assert (report.indication, report.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
    )
    assert report.errors == ("chain.untrusted",)


def test_missing_revocation_data_fails_closed(p12_files: dict[str, Path], trust: TrustAnchors) -> None:
    (report,) = validate_cms(sign_as(p12_files["applicant"]), DOCUMENT, trust, RevocationData())
    assert (report.indication, report.sub_indication) == (Indication.INDETERMINATE, SubIndication.TRY_LATER)
    assert report.errors == ("revocation.missing",)
    assert report.revocation.status is RevocationStatus.NOT_CHECKED


def test_offline_verification_from_plain_files(ca: MockCA, lease_cms: bytes, tmp_path: Path) -> None:
    crl_path = tmp_path / "ica.crl"
    crl_path.write_bytes(ca.crl())
    trust = TrustAnchors.from_file(ca.directory / "ca.pem")
    reports = validate_cms(lease_cms, DOCUMENT, trust, RevocationData.from_files(crl_path))
    assert [r.indication for r in reports] == [Indication.TOTAL_PASSED] * 3
    assert {r.revocation.source for r in reports} == {"CRL"}


@pytest.mark.parametrize("garbage", [b"", b"not a cms", b"\x30\x03\x02\x01\x01"])
def test_unreadable_cms_is_one_format_failure(
    garbage: bytes, trust: TrustAnchors, revocation: CaRevocation
) -> None:
    (report,) = validate_cms(garbage, DOCUMENT, trust, revocation)
    assert (report.indication, report.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.FORMAT_FAILURE,
    )
    assert report.signer is None


def test_unsupported_digest_is_not_evaluated(
    p12_files: dict[str, Path], trust: TrustAnchors, revocation: CaRevocation
) -> None:
    content_info = cms.ContentInfo.load(sign_as(p12_files["applicant"]))
    content_info["content"]["signer_infos"][0]["digest_algorithm"] = {"algorithm": "md5"}
    (report,) = validate_cms(content_info.dump(force=True), DOCUMENT, trust, revocation)
    assert (report.indication, report.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
    )


def _cert_of(p12: bytes) -> x509.Certificate:
    return load_p12(p12, PASSWORD).certificate


def test_certificate_not_yet_valid_fails(ca: MockCA, trust: TrustAnchors, revocation: CaRevocation) -> None:
    p12 = _fresh_signer(
        ca, "01020350091", not_before=NOW + timedelta(days=2), not_after=NOW + timedelta(days=30)
    )
    (report,) = validate_cms(sign_detached(DOCUMENT, p12, PASSWORD), DOCUMENT, trust, revocation)
    assert (report.indication, report.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.NOT_YET_VALID,
    )


def test_plain_cms_without_cades_attributes_is_reported_as_not_etsi(
    p12_files: dict[str, Path], trust: TrustAnchors, revocation: CaRevocation
) -> None:
    store = load_p12((p12_files["guarantor"] / "sign.p12").read_bytes(), PASSWORD)
    options = [
        pkcs7.PKCS7Options.DetachedSignature,
        pkcs7.PKCS7Options.Binary,
        pkcs7.PKCS7Options.NoCapabilities,
    ]
    plain = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(DOCUMENT)
        .add_signer(store.certificate, store.private_key, hashes.SHA256())
        .add_certificate(store.chain[0])
        .sign(serialization.Encoding.DER, options)
    )
    (report,) = validate_cms(plain, DOCUMENT, trust, revocation)
    assert report.indication is Indication.TOTAL_PASSED  # valid, just not an AdES baseline
    assert report.signature_level is SignatureLevel.CMS_NOT_ETSI
    assert "signature.not_cades_baseline_b" in report.warnings
