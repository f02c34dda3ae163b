"""The validation report: one frozen record per SignerInfo, in ETSI EN 319 102-1 terms.

Field names follow the EU DSS simple report where one exists (indication, sub-indication,
signature level, claimed signing time, best signature time, certificate chain); errors and
warnings are stable dotted keys that pages translate and tests match.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any

from common.eds.holder import Holder

__all__ = [
    "CertificateSummary",
    "Indication",
    "RevocationInfo",
    "RevocationStatus",
    "SignatureLevel",
    "SignerReport",
    "SubIndication",
]


class Indication(StrEnum):
    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"


class SubIndication(StrEnum):
    """ETSI EN 319 102-1 §5.1.3 sub-indications (plus GENERIC for the unexplained)."""

    # with TOTAL_FAILED
    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    NOT_YET_VALID = "NOT_YET_VALID"
    # with INDETERMINATE
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    EXPIRED = "EXPIRED"
    POLICY_PROCESSING_ERROR = "POLICY_PROCESSING_ERROR"
    SIGNATURE_POLICY_NOT_AVAILABLE = "SIGNATURE_POLICY_NOT_AVAILABLE"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    REVOCATION_OUT_OF_BOUNDS_NO_POE = "REVOCATION_OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    GENERIC = "GENERIC"


class SignatureLevel(StrEnum):
    CADES_BASELINE_B = "CAdES-BASELINE-B"
    CMS_NOT_ETSI = "CMS-NOT-ETSI"  # plain CMS: no signing-certificate(-v2) or signing-time


class RevocationStatus(StrEnum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"  # the responder does not know the certificate
    NOT_CHECKED = "not_checked"  # no data covering the certificate was supplied


@dataclass(frozen=True, slots=True)
class CertificateSummary:
    subject: str
    issuer: str
    serial: str  # hex, as OpenSSL prints it
    sha256: str  # hex fingerprint of the DER certificate
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True, slots=True)
class RevocationInfo:
    """What the supplied CRL/OCSP data says about the signer's certificate."""

    status: RevocationStatus
    source: str | None = None  # "OCSP" or "CRL"
    issued_at: datetime | None = None  # OCSP thisUpdate or CRL thisUpdate
    revoked_at: datetime | None = None
    reason: str | None = None  # RFC 5280 reason name, e.g. "keyCompromise"


@dataclass(frozen=True, slots=True)
class SignerReport:
    """The outcome for one SignerInfo. `signer` is None only when no certificate was found."""

    index: int  # position of the SignerInfo in the CMS
    indication: Indication
    sub_indication: SubIndication | None  # None exactly when TOTAL_PASSED
    signature_level: SignatureLevel
    signer: Holder | None
    chain: tuple[CertificateSummary, ...]  # signer first, trust anchor last when a path was built
    revocation: RevocationInfo
    claimed_signing_time: datetime | None  # the signing-time attribute: the signer's own claim
    best_signature_time: datetime  # earliest proven existence: POE if given, else validation time
    validation_time: datetime
    digest_algorithm: str | None
    signature_algorithm: str | None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: enums as their values, datetimes as ISO 8601 strings."""
        return _jsonable(dataclasses.asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value
