"""EDS checks of the videoconf service: logging in with the authentication key, and the
registrar's signature under the outcome (validated, then party-checked against the room's
registrar). Failures become problems with stable codes."""

from __future__ import annotations

from common.eds import (
    CaRevocation,
    EdsError,
    ExpectedParty,
    LoginError,
    LoginIdentity,
    SignerReport,
    TrustAnchors,
    check_party,
    validate_cms,
    verify_login,
)
from common.problems import Problem
from videoconf.config import get_ca

__all__ = ["check_registrar_signature", "login_identity"]


def login_identity(cms_der: bytes, challenge: bytes) -> LoginIdentity:
    ca = get_ca()
    try:
        return verify_login(cms_der, challenge, TrustAnchors.from_ca(ca), CaRevocation(ca))
    except LoginError as exc:
        raise Problem(401, f"video.login_failed.{exc.code}", str(exc)) from None


def check_registrar_signature(
    document: bytes, cms_der: bytes, registrar_iin: str, registrar_bin: str | None = None
) -> SignerReport:
    """The CMS must hold exactly one valid signature, by the room's registrar's signing key (their
    own, or the State Corporation's key issued to them when the spec names its BIN)."""
    ca = get_ca()
    try:
        reports = validate_cms(cms_der, document, TrustAnchors.from_ca(ca), CaRevocation(ca))
    except EdsError as exc:
        raise Problem(422, "video.outcome_signature_unreadable", str(exc)) from None
    if len(reports) != 1:
        raise Problem(422, "video.outcome_signer_count", "the outcome is signed by the registrar alone")
    (report,) = reports
    expected = (
        ExpectedParty.organisation(registrar_bin, iin=registrar_iin)
        if registrar_bin
        else ExpectedParty.individual(registrar_iin)
    )
    party = check_party(report, expected)
    if not party.ok:
        raise Problem(422, "video.outcome_signature_invalid", party.reason, party_code=party.code)
    return report
