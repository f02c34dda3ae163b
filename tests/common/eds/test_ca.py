"""The mock CA issues certificates shaped like NCA's, keeps them, and hands out PKCS#12 files."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from common.eds import (
    EdsError,
    Identity,
    IssuedIdentity,
    KeyPurpose,
    KeyStoreError,
    MockCA,
    Role,
    TrustAnchors,
    describe_holder,
    load_p12,
)
from common.ids import InvalidIdentifier

from .conftest import APPLICANT, KHC_BIN, KHC_HEAD, KHC_NAME, PASSWORD, make_iin


def _ext(cert: x509.Certificate, kind: type) -> x509.Extension:
    return cert.extensions.get_extension_for_class(kind)


def _eku(cert: x509.Certificate) -> list[str]:
    return [oid.dotted_string for oid in _ext(cert, x509.ExtendedKeyUsage).value]


def _policies(cert: x509.Certificate) -> list[str]:
    return [p.policy_identifier.dotted_string for p in _ext(cert, x509.CertificatePolicies).value]


def test_ca_names_fit_and_bundle_holds_root_then_issuing_ca(ca: MockCA) -> None:
    root_cn = ca.root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert root_cn.startswith("НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ")
    assert len(root_cn.encode()) <= 64
    assert ca.intermediate.issuer == ca.root.subject
    bundle = x509.load_pem_x509_certificates((ca.directory / "ca.pem").read_bytes())
    assert bundle == [ca.root, ca.intermediate]
    anchors = TrustAnchors.from_file(ca.directory / "ca.pem")
    assert anchors.roots == (ca.root,)
    assert anchors.intermediates == (ca.intermediate,)


def test_individual_signing_certificate_follows_the_nca_profile(
    ca: MockCA, parties: dict[str, IssuedIdentity]
) -> None:
    cert = parties["applicant"].sign.certificate
    # NCA attribute order and types: CN, SN, serialNumber (PrintableString), C, G.
    rdns = [(attr.oid, attr.value) for attr in cert.subject]
    assert rdns == [
        (NameOID.COMMON_NAME, "ТЕСТОВ ТЕСТ"),
        (NameOID.SURNAME, "ТЕСТОВ"),
        (NameOID.SERIAL_NUMBER, f"IIN{APPLICANT.iin}"),
        (NameOID.COUNTRY_NAME, "KZ"),
        (NameOID.GIVEN_NAME, "ТЕСТОВИЧ"),
    ]
    serial_number = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)).subject.chosen[
        2
    ][0]
    assert serial_number["value"].name == "printable_string"

    ku = _ext(cert, x509.KeyUsage)
    assert ku.critical
    assert ku.value.digital_signature
    assert ku.value.content_commitment
    assert not ku.value.key_encipherment
    assert _eku(cert) == [ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string, "1.2.398.3.3.4.1.1"]
    assert _policies(cert) == ["1.2.398.3.3.2.3"]
    assert _ext(cert, x509.AuthorityKeyIdentifier).value.key_identifier == (
        _ext(ca.intermediate, x509.SubjectKeyIdentifier).value.digest
    )
    assert _ext(cert, x509.SubjectKeyIdentifier)
    cdp = _ext(cert, x509.CRLDistributionPoints).value[0].full_name[0].value
    aia = {
        d.access_method: d.access_location.value for d in _ext(cert, x509.AuthorityInformationAccess).value
    }
    assert cdp == "http://127.0.0.1:8003/pki/crl"
    assert aia[AuthorityInformationAccessOID.OCSP] == "http://127.0.0.1:8003/pki/ocsp"
    assert aia[AuthorityInformationAccessOID.CA_ISSUERS] == "http://127.0.0.1:8003/pki/ca.cer"
    cert.verify_directly_issued_by(ca.intermediate)


def test_authentication_certificate_is_separate_and_for_client_auth(
    parties: dict[str, IssuedIdentity],
) -> None:
    issued = parties["applicant"]
    auth = issued.auth.certificate
    assert auth.public_key() != issued.sign.certificate.public_key()
    ku = _ext(auth, x509.KeyUsage).value
    assert ku.digital_signature
    assert ku.key_encipherment
    assert not ku.content_commitment
    assert _eku(auth) == [ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string, "1.2.398.3.3.4.1.1"]
    assert _policies(auth) == ["1.2.398.3.3.2.4"]
    assert describe_holder(auth).key_purpose is KeyPurpose.AUTH


@pytest.mark.parametrize(
    ("party", "role_oid", "role"),
    [("khc_head", "1.2.398.3.3.4.1.2.1", Role.HEAD), ("khc_signer", "1.2.398.3.3.4.1.2.2", Role.MAY_SIGN)],
)
def test_organisation_certificates_carry_bin_and_role(
    parties: dict[str, IssuedIdentity], party: str, role_oid: str, role: Role
) -> None:
    sign, auth = parties[party].sign.certificate, parties[party].auth.certificate
    assert sign.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == KHC_NAME
    assert sign.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == f"BIN{KHC_BIN}"
    assert _eku(sign) == [ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string, "1.2.398.3.3.4.1.2", role_oid]
    assert _policies(sign) == ["1.2.398.3.3.2.1"]
    assert _eku(auth) == [ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string, "1.2.398.3.3.4.1.2", role_oid]
    assert _policies(auth) == ["1.2.398.3.3.2.2"]
    holder = describe_holder(sign)
    assert (holder.bin, holder.organisation, holder.roles) == (KHC_BIN, KHC_NAME, (role,))
    assert holder.key_purpose is KeyPurpose.SIGN


def test_development_identities_are_deterministic(ca: MockCA, parties: dict[str, IssuedIdentity]) -> None:
    again = MockCA.load(ca.directory).issue(KHC_HEAD)
    first = parties["khc_head"]
    for before, after in ((first.sign, again.sign), (first.auth, again.auth)):
        assert after.certificate == before.certificate
        assert after.private_key.private_numbers() == before.private_key.private_numbers()
    # Same person, field by field, built anew: same key id, same subject.
    twin = Identity.officer(KHC_HEAD.iin, "жанұзақов", "ерлан", bin=KHC_BIN, organisation=KHC_NAME)
    assert twin.key_id() == KHC_HEAD.key_id()
    assert twin.subject() == KHC_HEAD.subject()
    # The role is part of the identity: another role is another key.
    other_role = Identity.officer(
        KHC_HEAD.iin, "Жанұзақов", "Ерлан", bin=KHC_BIN, organisation=KHC_NAME, role=Role.MAY_SIGN
    )
    assert other_role.key_id() != KHC_HEAD.key_id()


def test_revocation_retires_the_development_key(ca: MockCA) -> None:
    person = Identity.individual(make_iin("88080830078"), "Иванов", "Иван")
    first = ca.issue(person)
    ca.revoke(first.sign.certificate, x509.ReasonFlags.key_compromise)
    second = ca.issue(person)
    assert second.sign.certificate.serial_number != first.sign.certificate.serial_number
    assert second.sign.certificate.public_key() != first.sign.certificate.public_key()
    assert second.auth.certificate == first.auth.certificate  # untouched
    record = ca.record(first.sign.certificate.serial_number)
    assert record is not None
    assert record.revocation_reason is x509.ReasonFlags.key_compromise


def test_p12_files_open_with_the_password_only(
    p12_files: dict[str, Path], parties: dict[str, IssuedIdentity]
) -> None:
    sign_path = p12_files["applicant"] / "sign.p12"
    assert stat.S_IMODE(sign_path.stat().st_mode) == 0o600
    store = load_p12(sign_path.read_bytes(), PASSWORD)
    assert store.certificate == parties["applicant"].sign.certificate
    assert store.chain[0] == parties["applicant"].sign.chain[0]
    assert "PRIVATE" not in repr(store)
    assert "private" not in repr(store)
    for wrong in ("", "wrong password"):
        with pytest.raises(KeyStoreError) as caught:
            load_p12(sign_path.read_bytes(), wrong)
        assert caught.value.code == "eds.keystore.unreadable"


def test_issue_rejects_bad_identities_and_validity(ca: MockCA) -> None:
    with pytest.raises(InvalidIdentifier):
        Identity.individual("900101300123", "Тестов", "Тест")  # wrong check digit
    with pytest.raises(ValueError, match="64 UTF-8 bytes"):
        Identity.individual(APPLICANT.iin, "Өте-ұзын-тегі-бар-адамның-фамилиясы", "Әлихан")
    with pytest.raises(ValueError, match="organisation"):
        Identity(APPLICANT.iin, "Тестов", "Тест", role=Role.HEAD)
    too_early = ca.intermediate.not_valid_before_utc - timedelta(days=1)
    with pytest.raises(EdsError) as caught:
        ca.issue(APPLICANT, not_before=too_early, not_after=datetime.now(UTC))
    assert caught.value.code == "eds.ca.validity"


def test_ca_directory_is_created_once(ca: MockCA, tmp_path: Path) -> None:
    with pytest.raises(EdsError) as caught:
        MockCA.create(ca.directory)
    assert caught.value.code == "eds.ca.exists"
    with pytest.raises(EdsError):
        MockCA.load(tmp_path / "nothing")
    assert stat.S_IMODE((ca.directory / "ica.key.pem").stat().st_mode) == 0o600
    assert MockCA.open(ca.directory).root == ca.root


def test_services_opening_one_directory_together_share_one_ca(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        opened = list(pool.map(lambda _: MockCA.open(tmp_path / "pki"), range(3)))
    assert len({ca.root.fingerprint(hashes.SHA256()) for ca in opened}) == 1


def test_holder_roles_need_exactly_one_subject_type_marker(
    ca: MockCA, parties: dict[str, IssuedIdentity]
) -> None:
    assert describe_holder(parties["khc_employee"].sign.certificate).roles == (Role.EMPLOYEE,)
    assert describe_holder(ca.intermediate).roles == ()
    with pytest.raises(EdsError) as caught:
        ca.revoke(parties["khc_employee"].auth.certificate, when=datetime.now(UTC) + timedelta(days=1))
    assert caught.value.code == "eds.ca.future_revocation"
