"""Reading the holder's identity, role and key purpose back out of an NCA-style certificate."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from common.eds.oids import ROLE_INDIVIDUAL, ROLE_ORGANISATION, KeyPurpose, Role

__all__ = ["Holder", "describe_holder"]


@dataclass(frozen=True, slots=True)
class Holder:
    """Facts a relying party reads from a certificate; absent attributes are None or empty."""

    common_name: str | None
    surname: str | None
    given_name: str | None
    patronymic: str | None
    iin: str | None
    bin: str | None
    organisation: str | None
    key_purpose: KeyPurpose | None
    roles: tuple[Role, ...]
    policies: tuple[str, ...]
    extended_key_usages: tuple[str, ...]


def describe_holder(cert: x509.Certificate) -> Holder:
    subject = cert.subject
    common_name = _attr(subject, NameOID.COMMON_NAME)
    surname = _attr(subject, NameOID.SURNAME)
    ekus = _extended_key_usages(cert)
    return Holder(
        common_name=common_name,
        surname=surname,
        given_name=_given_name(common_name, surname),
        patronymic=_attr(subject, NameOID.GIVEN_NAME),
        iin=_prefixed(_attr(subject, NameOID.SERIAL_NUMBER), "IIN"),
        bin=_prefixed(_attr(subject, NameOID.ORGANIZATIONAL_UNIT_NAME), "BIN"),
        organisation=_attr(subject, NameOID.ORGANIZATION_NAME),
        key_purpose=_key_purpose(cert),
        roles=_roles(ekus),
        policies=_policies(cert),
        extended_key_usages=tuple(oid.dotted_string for oid in ekus),
    )


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if len(values) != 1:  # absent, or ambiguous: either way nothing to rely on
        return None
    value = values[0].value
    return value if isinstance(value, str) else None


def _prefixed(value: str | None, prefix: str) -> str | None:
    if value is None or not value.startswith(prefix):
        return None
    digits = value[len(prefix) :]
    return digits if len(digits) == 12 and digits.isascii() and digits.isdigit() else None


def _given_name(common_name: str | None, surname: str | None) -> str | None:
    # NCA puts the first name only in CN, after the surname.
    if common_name is None or surname is None or not common_name.startswith(surname + " "):
        return None
    return common_name[len(surname) + 1 :] or None


def _key_purpose(cert: x509.Certificate) -> KeyPurpose | None:
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if not ku.digital_signature:
        return None
    # NCA's rule (as NCANode reads it): bits 0+1 mean signing, bits 0+2 mean authentication.
    if ku.content_commitment:
        return KeyPurpose.SIGN
    if ku.key_encipherment:
        return KeyPurpose.AUTH
    return None


def _extended_key_usages(cert: x509.Certificate) -> tuple[x509.ObjectIdentifier, ...]:
    try:
        return tuple(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return ()


def _roles(ekus: tuple[x509.ObjectIdentifier, ...]) -> tuple[Role, ...]:
    individual, organisation = ROLE_INDIVIDUAL in ekus, ROLE_ORGANISATION in ekus
    specific = tuple(
        role
        for oid in ekus
        if (role := Role.from_oid(oid)) is not None and role not in (Role.INDIVIDUAL, Role.ORGANISATION)
    )
    if individual == organisation:  # neither marker, or both: no reading can be trusted
        return ()
    if individual:
        return () if specific else (Role.INDIVIDUAL,)
    return specific or (Role.ORGANISATION,)


def _policies(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(p.policy_identifier.dotted_string for p in policies)
