"""Certificate profiles of the mock CA: which extensions each kind of certificate carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from common.eds.identity import Identity
from common.eds.oids import (
    POLICY_INDIVIDUAL_AUTH,
    POLICY_INDIVIDUAL_SIGN,
    POLICY_NCA_REGULATION,
    POLICY_ORGANISATION_AUTH,
    POLICY_ORGANISATION_SIGN,
    POLICY_ROOT,
    ROLE_ORGANISATION,
    KeyPurpose,
    Role,
)

__all__ = [
    "INTERMEDIATE",
    "OCSP_RESPONDER",
    "ROOT",
    "CertProfile",
    "PkiUrls",
    "build_certificate",
    "end_entity_profile",
]

_NOTICE = "Mock NCA of the rent-to-own pilot: for development and tests only"


@dataclass(frozen=True, slots=True)
class PkiUrls:
    """Where relying parties fetch the CRL, OCSP answers and the issuing CA certificate."""

    base_url: str

    @property
    def crl(self) -> str:
        return f"{self.base_url}/crl"

    @property
    def ocsp(self) -> str:
        return f"{self.base_url}/ocsp"

    @property
    def ca_issuers(self) -> str:
        return f"{self.base_url}/ca.cer"


@dataclass(frozen=True, slots=True)
class CertProfile:
    """The extensions that distinguish one kind of certificate from another."""

    key_usage: x509.KeyUsage
    extended_key_usage: tuple[x509.ObjectIdentifier, ...] | None
    policy: x509.ObjectIdentifier
    is_ca: bool = False
    path_length: int | None = None
    ocsp_nocheck: bool = False


def _key_usage(
    *, sign: bool = False, commit: bool = False, encipher: bool = False, ca: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=commit,
        key_encipherment=encipher,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


ROOT = CertProfile(_key_usage(ca=True), None, POLICY_ROOT, is_ca=True, path_length=1)
INTERMEDIATE = CertProfile(_key_usage(ca=True), None, POLICY_NCA_REGULATION, is_ca=True, path_length=0)
OCSP_RESPONDER = CertProfile(
    _key_usage(sign=True, commit=True),
    (ExtendedKeyUsageOID.OCSP_SIGNING,),
    POLICY_NCA_REGULATION,
    ocsp_nocheck=True,
)


def end_entity_profile(identity: Identity, purpose: KeyPurpose) -> CertProfile:
    """The NCA profile for a signing or authentication certificate of this identity."""
    organisational = identity.role.is_organisational
    # An officer's certificate names the organisation marker and then the specific role.
    roles = (identity.role.oid,)
    if organisational and identity.role is not Role.ORGANISATION:
        roles = (ROLE_ORGANISATION, *roles)
    if purpose is KeyPurpose.SIGN:
        return CertProfile(
            _key_usage(sign=True, commit=True),
            (ExtendedKeyUsageOID.EMAIL_PROTECTION, *roles),
            POLICY_ORGANISATION_SIGN if organisational else POLICY_INDIVIDUAL_SIGN,
        )
    return CertProfile(
        _key_usage(sign=True, encipher=True),
        (ExtendedKeyUsageOID.CLIENT_AUTH, *roles),
        POLICY_ORGANISATION_AUTH if organisational else POLICY_INDIVIDUAL_AUTH,
    )


def build_certificate(
    *,
    profile: CertProfile,
    subject: x509.Name,
    public_key: rsa.RSAPublicKey,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
    not_before: datetime,
    not_after: datetime,
    urls: PkiUrls | None,
) -> x509.Certificate:
    """Sign a certificate; `issuer=None` makes it self-signed, `urls=None` omits CDP and AIA."""
    issuer_name = subject if issuer is None else issuer.subject
    issuer_public = public_key if issuer is None else issuer.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(profile.is_ca, profile.path_length), critical=True)
        .add_extension(profile.key_usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False)
        .add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(profile.policy, [x509.UserNotice(None, _NOTICE)])]
            ),
            critical=False,
        )
    )
    if profile.extended_key_usage is not None:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(list(profile.extended_key_usage)), critical=False
        )
    if profile.ocsp_nocheck:
        builder = builder.add_extension(x509.OCSPNoCheck(), critical=False)
    if urls is not None:
        builder = builder.add_extension(
            x509.CRLDistributionPoints([x509.DistributionPoint([_uri(urls.crl)], None, None, None)]),
            critical=False,
        ).add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS, _uri(urls.ca_issuers)),
                    x509.AccessDescription(AuthorityInformationAccessOID.OCSP, _uri(urls.ocsp)),
                ]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _uri(url: str) -> x509.UniformResourceIdentifier:
    return x509.UniformResourceIdentifier(url)
