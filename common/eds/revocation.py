"""Revocation data for validation: CRLs and OCSP responses, from the CA or from files.

Validation never fetches anything over the network; whoever calls it decides where the data
comes from: the in-process mock CA (`CaRevocation`) or files an outsider downloaded
(`RevocationData.from_files`). Missing data fails closed (INDETERMINATE/TRY_LATER).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from common.eds.errors import EdsError
from common.eds.report import RevocationInfo, RevocationStatus

if TYPE_CHECKING:
    from common.eds.ca import MockCA

__all__ = ["CaRevocation", "RevocationData", "RevocationSource", "summarise_revocation"]


@dataclass(frozen=True, slots=True)
class RevocationData:
    """DER CRLs and DER OCSP responses; also a source that always returns itself."""

    crls: tuple[bytes, ...] = ()
    ocsp_responses: tuple[bytes, ...] = ()

    def revocation_data(self, certificates: Sequence[x509.Certificate]) -> RevocationData:
        return self

    @classmethod
    def from_files(cls, *paths: Path) -> RevocationData:
        """Read CRLs (DER or PEM) and OCSP responses (DER), telling them apart by content."""
        crls: list[bytes] = []
        responses: list[bytes] = []
        for path in paths:
            data = path.read_bytes()
            if b"-----BEGIN X509 CRL-----" in data:
                crls.append(x509.load_pem_x509_crl(data).public_bytes(serialization.Encoding.DER))
            elif _is_der_crl(data):
                crls.append(data)
            elif _is_ocsp_response(data):
                responses.append(data)
            else:
                raise EdsError("eds.revocation.unreadable", f"{path} is neither a CRL nor an OCSP response")
        return cls(tuple(crls), tuple(responses))


class RevocationSource(Protocol):
    def revocation_data(self, certificates: Sequence[x509.Certificate]) -> RevocationData:
        """CRLs and OCSP responses that may cover `certificates` (signer certificates)."""
        ...


class CaRevocation:
    """Fresh answers from an in-process mock CA: its current CRL and an OCSP response per
    certificate it issued. Either kind can be switched off to test the other alone."""

    def __init__(self, ca: MockCA, *, crl: bool = True, ocsp: bool = True) -> None:
        self._ca, self._crl, self._ocsp = ca, crl, ocsp

    def revocation_data(self, certificates: Sequence[x509.Certificate]) -> RevocationData:
        issuer = self._ca.intermediate
        responses = ()
        if self._ocsp:
            responses = tuple(
                self._ca.ocsp_response(
                    ocsp.OCSPRequestBuilder()
                    .add_certificate(cert, issuer, hashes.SHA256())
                    .build()
                    .public_bytes(serialization.Encoding.DER)
                )
                for cert in certificates
                if cert.issuer == issuer.subject
            )
        return RevocationData(crls=(self._ca.crl(),) if self._crl else (), ocsp_responses=responses)


def summarise_revocation(data: RevocationData, cert: x509.Certificate) -> RevocationInfo:
    """What the data says about `cert`, preferring OCSP (as the path validator does).

    This only reports; whether the data is authentic and fresh is decided by path
    validation, which the indication reflects.
    """
    issuer_name = cert.issuer.public_bytes()
    for der in data.ocsp_responses:
        try:
            response = ocsp.load_der_ocsp_response(der)
        except ValueError:
            continue  # garbage is path validation's problem; here it just says nothing
        if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
            continue
        for single in response.responses:
            name_hash = hashlib.new(single.hash_algorithm.name, issuer_name).digest()
            if single.serial_number != cert.serial_number or single.issuer_name_hash != name_hash:
                continue
            status = {
                ocsp.OCSPCertStatus.GOOD: RevocationStatus.GOOD,
                ocsp.OCSPCertStatus.REVOKED: RevocationStatus.REVOKED,
            }.get(single.certificate_status, RevocationStatus.UNKNOWN)
            reason = single.revocation_reason
            return RevocationInfo(
                status=status,
                source="OCSP",
                issued_at=single.this_update_utc,
                revoked_at=single.revocation_time_utc,
                reason=reason.value if reason else None,
            )
    for der in data.crls:
        try:
            crl = x509.load_der_x509_crl(der)
        except ValueError:
            continue
        if crl.issuer != cert.issuer:
            continue
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is None:
            return RevocationInfo(status=RevocationStatus.GOOD, source="CRL", issued_at=crl.last_update_utc)
        try:
            reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.value
        except x509.ExtensionNotFound:
            reason = None
        return RevocationInfo(
            status=RevocationStatus.REVOKED,
            source="CRL",
            issued_at=crl.last_update_utc,
            revoked_at=entry.revocation_date_utc,
            reason=reason,
        )
    return RevocationInfo(status=RevocationStatus.NOT_CHECKED)


def _is_der_crl(data: bytes) -> bool:
    try:
        x509.load_der_x509_crl(data)
    except ValueError:
        return False
    return True


def _is_ocsp_response(data: bytes) -> bool:
    try:
        ocsp.load_der_ocsp_response(data)
    except ValueError:
        return False
    return True
