"""Checking the subject's EDS over a consent artefact (common.eds does the validation).

A grant by signature needs exactly one signer whose signature validates (TOTAL_PASSED, with
revocation data) and who is the subject: an individual *signing* key carrying the subject's
IIN. Anything else is 422 with a stable code; someone else's key is `consent.signer_mismatch`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from common.eds import (
    CaRevocation,
    EdsError,
    ExpectedParty,
    MockCA,
    RevocationSource,
    TrustAnchors,
    check_party,
    validate_cms,
)
from common.entries import rfc3339
from common.problems import Problem

__all__ = ["SignerEvidence", "SubjectSignatureVerifier"]

# party.* codes of common.eds.check_party → this service's codes
_PARTY_CODES = {
    "party.iin_mismatch": "consent.signer_mismatch",
    "party.auth_key_used": "consent.wrong_key",
    "party.wrong_role": "consent.wrong_key",
    "party.wrong_policy": "consent.wrong_key",
    "party.key_usage_unknown": "consent.wrong_key",
}


@dataclass(frozen=True, slots=True)
class SignerEvidence:
    """What the grant record keeps about the signature (the CMS itself is kept alongside)."""

    iin: str
    common_name: str | None
    certificate_serial: str
    certificate_sha256: str
    indication: str
    claimed_signing_time: str | None
    validated_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SubjectSignatureVerifier:
    def __init__(self, trust: TrustAnchors, revocation: RevocationSource) -> None:
        self.trust = trust
        self.revocation = revocation

    @classmethod
    def from_ca_directory(cls, directory: Path) -> SubjectSignatureVerifier:
        """The embedded deployment: trust and revocation answers from the shared mock CA."""
        ca = MockCA.open(directory)
        return cls(TrustAnchors.from_ca(ca), CaRevocation(ca))

    def verify(
        self, artefact: bytes, cms_der: bytes, subject_iin: str, at: datetime | None = None
    ) -> SignerEvidence:
        try:
            reports = validate_cms(cms_der, artefact, self.trust, self.revocation, at)
        except EdsError as exc:
            raise Problem(422, "consent.signature_invalid", str(exc), eds_code=exc.code) from None
        if len(reports) != 1:
            raise Problem(
                422, "consent.signature_count", f"expected the subject's signature only, got {len(reports)}"
            )
        report = reports[0]
        if not report.passed:
            raise Problem(
                422,
                "consent.signature_invalid",
                "the signature over the consent artefact does not validate",
                indication=report.indication.value,
                sub_indication=report.sub_indication.value if report.sub_indication else None,
                errors=list(report.errors),
            )
        check = check_party(report, ExpectedParty.individual(subject_iin))
        if not check.ok:
            code = _PARTY_CODES.get(check.code, "consent.signature_invalid")
            raise Problem(422, code, check.reason, party_code=check.code)
        # check_party has ensured a certificate carrying the subject's IIN
        assert report.signer is not None
        assert report.signer.iin is not None
        leaf = report.chain[0]
        return SignerEvidence(
            iin=report.signer.iin,
            common_name=report.signer.common_name,
            certificate_serial=leaf.serial,
            certificate_sha256=leaf.sha256,
            indication=report.indication.value,
            claimed_signing_time=rfc3339(report.claimed_signing_time)
            if report.claimed_signing_time
            else None,
            validated_at=rfc3339(report.validation_time),
        )
