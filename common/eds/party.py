"""Does a valid signature come from the party that had to sign? — the check no generic
validator does: key purpose, role and policy OIDs, and the IIN/BIN in the certificate.

An applicant or guarantor signs with an individual *signing* key (EKU 1.2.398.3.3.4.1.1,
policy 1.2.398.3.3.2.3) carrying their IIN; a legal entity signs with a legal-entity signing
key (EKU 1.2.398.3.3.4.1.2 + a role, policy 1.2.398.3.3.2.1) carrying its BIN, held by its
head or by someone authorised to sign.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from common.eds.oids import (
    POLICY_INDIVIDUAL_AUTH,
    POLICY_INDIVIDUAL_SIGN,
    POLICY_ORGANISATION_AUTH,
    POLICY_ORGANISATION_SIGN,
    KeyPurpose,
    Role,
)
from common.eds.report import SignerReport

__all__ = ["ExpectedParty", "PartyCheck", "PartyKind", "check_party"]

_POLICIES = {
    (False, KeyPurpose.SIGN): POLICY_INDIVIDUAL_SIGN.dotted_string,
    (False, KeyPurpose.AUTH): POLICY_INDIVIDUAL_AUTH.dotted_string,
    (True, KeyPurpose.SIGN): POLICY_ORGANISATION_SIGN.dotted_string,
    (True, KeyPurpose.AUTH): POLICY_ORGANISATION_AUTH.dotted_string,
}


class PartyKind(StrEnum):
    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"


@dataclass(frozen=True, slots=True)
class ExpectedParty:
    """Who must have signed. Build with `individual(...)` or `organisation(...)`."""

    kind: PartyKind
    iin: str | None = None  # for an organisation: a specific officer, if it matters
    bin: str | None = None
    roles: frozenset[Role] = frozenset()
    purpose: KeyPurpose = KeyPurpose.SIGN

    @classmethod
    def individual(cls, iin: str, *, purpose: KeyPurpose = KeyPurpose.SIGN) -> ExpectedParty:
        return cls(PartyKind.INDIVIDUAL, iin=iin, roles=frozenset({Role.INDIVIDUAL}), purpose=purpose)

    @classmethod
    def organisation(
        cls,
        bin: str,
        roles: Iterable[Role] = (Role.HEAD, Role.MAY_SIGN),
        *,
        iin: str | None = None,
        purpose: KeyPurpose = KeyPurpose.SIGN,
    ) -> ExpectedParty:
        wanted = frozenset(roles)
        if not wanted or Role.INDIVIDUAL in wanted:
            raise ValueError("an organisation is expected with one or more organisational roles")
        return cls(PartyKind.ORGANISATION, iin=iin, bin=bin, roles=wanted, purpose=purpose)


@dataclass(frozen=True, slots=True)
class PartyCheck:
    ok: bool
    code: str  # "party.ok" or a stable failure key such as "party.wrong_role"
    reason: str

    @classmethod
    def fail(cls, code: str, reason: str) -> PartyCheck:
        return cls(False, code, reason)


def check_party(report: SignerReport, expected: ExpectedParty) -> PartyCheck:
    if not report.passed:
        return PartyCheck.fail(
            "party.signature_not_valid",
            f"the signature did not validate ({report.indication}/{report.sub_indication})",
        )
    holder = report.signer
    if holder is None:
        return PartyCheck.fail("party.no_certificate", "the signer's certificate is missing")

    if holder.key_purpose is not expected.purpose:
        if holder.key_purpose is KeyPurpose.AUTH:
            return PartyCheck.fail(
                "party.auth_key_used", "signed with an authentication key; documents need the signing key"
            )
        if holder.key_purpose is KeyPurpose.SIGN:
            return PartyCheck.fail(
                "party.sign_key_used", "signed with a signing key; logging in needs the authentication key"
            )
        return PartyCheck.fail("party.key_usage_unknown", "the certificate's key usage fits neither purpose")

    organisational = expected.kind is PartyKind.ORGANISATION
    holder_is_organisational = bool(holder.roles) and all(r.is_organisational for r in holder.roles)
    if organisational and not holder_is_organisational:
        return PartyCheck.fail(
            "party.wrong_role",
            "signed with an individual's key; the organisation must sign with a legal-entity key "
            f"of one of: {', '.join(sorted(expected.roles))}",
        )
    if not organisational and holder.roles != (Role.INDIVIDUAL,):
        return PartyCheck.fail(
            "party.wrong_role", "signed with a legal-entity key; this party must sign as an individual"
        )

    policy = _POLICIES[(organisational, expected.purpose)]
    if policy not in holder.policies:
        return PartyCheck.fail("party.wrong_policy", f"the certificate lacks policy {policy}")

    if organisational:
        if holder.bin != expected.bin:
            return PartyCheck.fail(
                "party.bin_mismatch", f"the certificate is for BIN {holder.bin}, expected {expected.bin}"
            )
        if not expected.roles & set(holder.roles):
            held = ", ".join(holder.roles)
            return PartyCheck.fail(
                "party.wrong_role",
                f"the holder's role ({held}) is none of: {', '.join(sorted(expected.roles))}",
            )
    if expected.iin is not None and holder.iin != expected.iin:
        return PartyCheck.fail("party.iin_mismatch", "the certificate is for another person (IIN differs)")
    return PartyCheck(True, "party.ok", "the signer is the expected party")
