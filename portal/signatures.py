"""EDS checks the portal makes: a finished detached CMS over exact bytes, validated against the
national CA, and the party check (right person or entity, right key, right role).

NCALayer hands out PEM-armoured CMS (`basics.sign`) or bare base64 (`commonUtils`); both are
accepted. A bad signature is 422 `signature.invalid`; the right signer with the wrong kind of
key (an authentication key, an individual's key for the housing company) is 422
`signature.wrong_role`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from common.eds import (
    CaRevocation,
    EdsError,
    ExpectedParty,
    LoginError,
    LoginIdentity,
    Role,
    SignerReport,
    TrustAnchors,
    check_party,
    strip_pem_armour,
    validate_cms,
    verify_login,
)
from common.problems import Problem
from portal.config import get_ca, get_settings

__all__ = [
    "Signed",
    "checked",
    "decode_b64",
    "expect_company",
    "expect_entity",
    "expect_individual",
    "login_identity",
    "reports",
    "verify_party",
    "verify_single",
]


@dataclass(frozen=True, slots=True)
class Signed:
    """One valid signature: who signed, the report, and the CMS as DER."""

    iin: str | None
    bin: str | None
    name: str
    roles: tuple[str, ...]
    report: dict[str, Any]
    cms_der: bytes


def decode_b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Problem(422, "request.base64", f"{what} is not valid base64") from None


def _der(cms: str | bytes) -> bytes:
    try:
        return strip_pem_armour(cms)
    except EdsError as exc:
        raise Problem(422, "signature.malformed", "the signature is not a CMS (DER, PEM or base64)") from exc


def reports(content: bytes, cms: str | bytes) -> tuple[SignerReport, ...]:
    """Every signer's report, for the public verification page (never raises for a bad CMS)."""
    ca = get_ca()
    return validate_cms(_der(cms), content, TrustAnchors.from_ca(ca), CaRevocation(ca))


def verify_single(content: bytes, cms: str | bytes) -> tuple[SignerReport, bytes]:
    der = _der(cms)
    found = reports(content, der)
    if len(found) != 1:
        raise Problem(422, "signature.signer_count", "send one signature at a time")
    report = found[0]
    if not report.passed or report.signer is None:
        raise Problem(
            422,
            "signature.invalid",
            f"the signature did not validate: {report.indication}/{report.sub_indication}",
            errors=list(report.errors),
        )
    return report, der


def verify_party(content: bytes, cms: str | bytes, expected: ExpectedParty) -> Signed:
    report, der = verify_single(content, cms)
    return checked(report, der, expected)


def checked(report: SignerReport, der: bytes, expected: ExpectedParty) -> Signed:
    """The party check on an already valid signature."""
    check = check_party(report, expected)
    if not check.ok:
        raise Problem(422, "signature.wrong_role", check.reason, check=check.code)
    holder = report.signer
    assert holder is not None
    return Signed(
        iin=holder.iin,
        bin=holder.bin,
        name=holder.common_name or "",
        roles=tuple(str(r) for r in holder.roles),
        report=report.to_dict(),
        cms_der=der,
    )


def expect_individual(iin: str) -> ExpectedParty:
    return ExpectedParty.individual(iin)


def expect_entity(bin_: str) -> ExpectedParty:
    return ExpectedParty.organisation(bin_, (Role.HEAD, Role.MAY_SIGN))


def expect_company() -> ExpectedParty:
    """The housing company signs through its head or a person authorised to sign."""
    return expect_entity(get_settings().housing_company_bin)


def login_identity(cms: str | bytes, challenge: bytes) -> LoginIdentity:
    ca = get_ca()
    try:
        return verify_login(_der(cms), challenge, TrustAnchors.from_ca(ca), CaRevocation(ca))
    except LoginError as exc:
        status = 422 if exc.code in ("auth.sign_key_used", "auth.not_auth_key", "auth.wrong_policy") else 401
        raise Problem(status, exc.code, str(exc)) from None
