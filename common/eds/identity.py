"""Who a certificate is issued to, and how that is written in the subject name the NCA way.

Attribute order and string types follow real NCA certificates: CN ("SURNAME NAME"), SN,
serialNumber ("IIN" + 12 digits, PrintableString), C=KZ, then O and OU ("BIN" + 12 digits)
for a legal entity's officer, then G, which NCA uses for the patronymic.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from common.eds.oids import Role
from common.ids import parse_bin, parse_iin

__all__ = ["Identity"]

# RFC 5280 ub-common-name, which cryptography enforces in UTF-8 bytes; Cyrillic takes two each.
_MAX_CN_BYTES = 64


@dataclass(frozen=True, slots=True)
class Identity:
    """A natural person, optionally acting for a legal entity in an organisational role."""

    iin: str
    surname: str
    given_name: str
    patronymic: str | None = None
    organisation: str | None = None
    bin: str | None = None
    role: Role = Role.INDIVIDUAL

    def __post_init__(self) -> None:
        parse_iin(self.iin)
        if not self.surname.strip() or not self.given_name.strip():
            raise ValueError("surname and given name are required")
        if self.role is Role.INDIVIDUAL:
            if self.organisation is not None or self.bin is not None:
                raise ValueError("an individual certificate carries no organisation or BIN")
        else:
            if not self.organisation or not self.bin:
                raise ValueError(f"role {self.role} needs an organisation name and a BIN")
            parse_bin(self.bin)
        if len(self.common_name.encode()) > _MAX_CN_BYTES:
            raise ValueError(f"common name {self.common_name!r} is longer than {_MAX_CN_BYTES} UTF-8 bytes")

    @classmethod
    def individual(cls, iin: str, surname: str, given_name: str, patronymic: str | None = None) -> Identity:
        return cls(iin=iin, surname=surname, given_name=given_name, patronymic=patronymic)

    @classmethod
    def officer(
        cls,
        iin: str,
        surname: str,
        given_name: str,
        *,
        bin: str,
        organisation: str,
        role: Role = Role.HEAD,
        patronymic: str | None = None,
    ) -> Identity:
        """A person holding a legal entity's certificate (its head, an authorised signer, ...)."""
        return cls(iin, surname, given_name, patronymic, organisation, bin, role)

    @property
    def common_name(self) -> str:
        return f"{self.surname.strip()} {self.given_name.strip()}".upper()

    def subject(self) -> x509.Name:
        attrs = [
            x509.NameAttribute(NameOID.COMMON_NAME, self.common_name),
            x509.NameAttribute(NameOID.SURNAME, self.surname.strip().upper()),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{self.iin}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
        if self.organisation is not None and self.bin is not None:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organisation.strip()))
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{self.bin}"))
        if self.patronymic:
            attrs.append(x509.NameAttribute(NameOID.GIVEN_NAME, self.patronymic.strip().upper()))
        return x509.Name(attrs)

    def key_id(self) -> str:
        """A stable digest of everything that goes into the subject and the role.

        Development keys are cached under it, so one identity keeps one key pair.
        """
        material = self.subject().public_bytes() + b"\x00" + self.role.value.encode()
        return hashlib.sha256(material).hexdigest()[:32]
