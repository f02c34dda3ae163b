"""EDS validation for cases: each detached CMS checked against the mock national CA (path,
CRL/OCSP) and, per signer, whether it is the party it claims to be (`common.eds.check_party`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from common.eds import (
    CaRevocation,
    ExpectedParty,
    MockCA,
    PartyCheck,
    SignerReport,
    TrustAnchors,
    check_party,
    validate_cms,
)
from registry_gateway.config import get_settings

__all__ = ["expected_party", "get_ca", "signer_entries", "validate"]


@cache
def _ca_at(directory: Path) -> MockCA:
    return MockCA.open(directory)


def get_ca() -> MockCA:
    """The CA of the configured PKI directory (created on first use in development)."""
    return _ca_at(get_settings().effective_pki_dir)


def validate(cms_der: bytes, content: bytes) -> tuple[SignerReport, ...]:
    ca = get_ca()
    return validate_cms(cms_der, content, TrustAnchors.from_ca(ca), CaRevocation(ca))


def expected_party(iin: str | None, bin: str | None) -> ExpectedParty:
    return ExpectedParty.organisation(bin) if bin else ExpectedParty.individual(iin or "")


def signer_entries(
    reports: tuple[SignerReport, ...], item: str, parties: list[tuple[str | None, str | None]]
) -> list[dict[str, Any]]:
    """One JSON-ready entry per signer: who, the ETSI indication, and the party check against
    whichever case party (iin, bin) the certificate names."""
    entries = []
    for report in reports:
        holder = report.signer
        iin = holder.iin if holder else None
        bin_ = holder.bin if holder else None
        match = next(((pi, pb) for pi, pb in parties if (pb and pb == bin_) or (not pb and pi == iin)), None)
        party = check_party(report, expected_party(*match)) if match else None
        entries.append(
            {
                "item": item,
                "iin": iin,
                "bin": bin_,
                "name": holder.common_name if holder else None,
                "roles": [str(r) for r in holder.roles] if holder else [],
                "indication": str(report.indication),
                "sub_indication": str(report.sub_indication) if report.sub_indication else None,
                "signed_at": report.claimed_signing_time.isoformat() if report.claimed_signing_time else None,
                "party_ok": bool(party and party.ok),
                "party_problem": _problem(party),
                "errors": list(report.errors),
                "report": report.to_dict(),
            }
        )
    return entries


def _problem(party: PartyCheck | None) -> str | None:
    if party is None:
        return "the signer is not a party of the case"
    return None if party.ok else party.reason
