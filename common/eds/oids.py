"""Object identifiers of the Kazakhstan national PKI (НУЦ РК) and the enums built on them.

Values come from real NCA test certificates and the order that fixes the role OIDs
(see research/signature-anchors.md §1.2).
"""

from __future__ import annotations

from enum import StrEnum

from cryptography.x509.oid import ObjectIdentifier

__all__ = [
    "POLICY_INDIVIDUAL_AUTH",
    "POLICY_INDIVIDUAL_SIGN",
    "POLICY_NCA_REGULATION",
    "POLICY_ORGANISATION_AUTH",
    "POLICY_ORGANISATION_SIGN",
    "POLICY_ROOT",
    "ROLE_INDIVIDUAL",
    "ROLE_ORGANISATION",
    "KeyPurpose",
    "Role",
]

# Subject-type markers carried in the extended key usage.
ROLE_INDIVIDUAL = ObjectIdentifier("1.2.398.3.3.4.1.1")
ROLE_ORGANISATION = ObjectIdentifier("1.2.398.3.3.4.1.2")

# Certificate policies of end-entity certificates.
POLICY_ORGANISATION_SIGN = ObjectIdentifier("1.2.398.3.3.2.1")
POLICY_ORGANISATION_AUTH = ObjectIdentifier("1.2.398.3.3.2.2")
POLICY_INDIVIDUAL_SIGN = ObjectIdentifier("1.2.398.3.3.2.3")
POLICY_INDIVIDUAL_AUTH = ObjectIdentifier("1.2.398.3.3.2.4")
# Policies asserted by the CA certificates themselves.
POLICY_NCA_REGULATION = ObjectIdentifier("1.2.398.3.3.1.1")
POLICY_ROOT = ObjectIdentifier("1.2.398.3.1.2")


class KeyPurpose(StrEnum):
    """What a key pair is for; NCA issues a separate certificate for each."""

    SIGN = "sign"  # digitalSignature + nonRepudiation: documents
    AUTH = "auth"  # digitalSignature + keyEncipherment: logging in


class Role(StrEnum):
    """The holder's role as written in the extended key usage."""

    INDIVIDUAL = "individual"  # 1.2.398.3.3.4.1.1
    ORGANISATION = "organisation"  # 1.2.398.3.3.4.1.2 with no more specific role
    HEAD = "head"  # 1.2.398.3.3.4.1.2.1 — first head (CEO)
    MAY_SIGN = "may_sign"  # 1.2.398.3.3.4.1.2.2 — person with signing authority
    MAY_SIGN_FINANCIAL = "may_sign_financial"  # 1.2.398.3.3.4.1.2.3
    HR = "hr"  # 1.2.398.3.3.4.1.2.4
    EMPLOYEE = "employee"  # 1.2.398.3.3.4.1.2.5

    @property
    def oid(self) -> ObjectIdentifier:
        return _ROLE_OIDS[self]

    @property
    def is_organisational(self) -> bool:
        return self is not Role.INDIVIDUAL

    @classmethod
    def from_oid(cls, oid: ObjectIdentifier) -> Role | None:
        return _ROLES_BY_OID.get(oid)


_ROLE_OIDS = {
    Role.INDIVIDUAL: ROLE_INDIVIDUAL,
    Role.ORGANISATION: ROLE_ORGANISATION,
    Role.HEAD: ObjectIdentifier("1.2.398.3.3.4.1.2.1"),
    Role.MAY_SIGN: ObjectIdentifier("1.2.398.3.3.4.1.2.2"),
    Role.MAY_SIGN_FINANCIAL: ObjectIdentifier("1.2.398.3.3.4.1.2.3"),
    Role.HR: ObjectIdentifier("1.2.398.3.3.4.1.2.4"),
    Role.EMPLOYEE: ObjectIdentifier("1.2.398.3.3.4.1.2.5"),
}
_ROLES_BY_OID = {oid: role for role, oid in _ROLE_OIDS.items()}
