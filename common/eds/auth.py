"""Logging in with EDS: the server's challenge signed with the holder's authentication key.

The caller issues the challenge (`new_challenge`), keeps it single-use and short-lived, and
hands the CMS that comes back to `verify_login`, which answers with who signed or raises
`LoginError` with a stable code. A signing key is refused: NCA keeps the two apart, and a
login must never be mistakable for a signature under a document.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from common.eds._aio import run_sync
from common.eds.cms import load_signed_data, strip_pem_armour
from common.eds.errors import EdsError
from common.eds.oids import POLICY_INDIVIDUAL_AUTH, POLICY_ORGANISATION_AUTH, KeyPurpose, Role
from common.eds.report import SignerReport
from common.eds.revocation import RevocationSource
from common.eds.trust import TrustAnchors
from common.eds.validate import async_validate_cms

__all__ = ["LoginError", "LoginIdentity", "async_verify_login", "new_challenge", "verify_login"]

_CHALLENGE_BYTES = 32


class LoginError(EdsError):
    """Codes: auth.malformed, auth.signer_count, auth.challenge_mismatch, auth.signature_invalid,
    auth.no_identity, auth.sign_key_used, auth.not_auth_key, auth.wrong_policy."""


@dataclass(frozen=True, slots=True)
class LoginIdentity:
    iin: str
    bin: str | None  # set when the key is a legal entity's
    roles: tuple[Role, ...]
    common_name: str | None
    organisation: str | None
    report: SignerReport


def new_challenge() -> bytes:
    """A random challenge for the holder to sign (send it base64-encoded)."""
    return secrets.token_bytes(_CHALLENGE_BYTES)


async def async_verify_login(
    cms_der: bytes,
    challenge: bytes,
    trust: TrustAnchors,
    revocation: RevocationSource,
    *,
    at: datetime | None = None,
) -> LoginIdentity:
    """Check that exactly one authentication key signed `challenge` (detached, or attached
    with the challenge as content) and that its certificate validates now."""
    try:
        signed_data = load_signed_data(strip_pem_armour(cms_der))
    except EdsError as exc:
        raise LoginError("auth.malformed", "the login signature cannot be read") from exc
    if len(signed_data["signer_infos"]) != 1:
        raise LoginError("auth.signer_count", "a login is signed by exactly one key")
    embedded = signed_data["encap_content_info"]["content"].native
    if embedded is not None and embedded != challenge:
        raise LoginError("auth.challenge_mismatch", "the signed content is not the challenge")

    (report,) = await async_validate_cms(cms_der, challenge, trust, revocation, at)
    if not report.passed:
        raise LoginError(
            "auth.signature_invalid", f"the login signature did not validate ({report.sub_indication})"
        )
    holder = report.signer
    if holder is None or holder.iin is None or not holder.roles:
        raise LoginError("auth.no_identity", "the certificate names no IIN or no holder role")
    if holder.key_purpose is KeyPurpose.SIGN:
        raise LoginError(
            "auth.sign_key_used", "signed with a signing key; log in with the authentication key"
        )
    if holder.key_purpose is not KeyPurpose.AUTH:
        raise LoginError("auth.not_auth_key", "the certificate is not an authentication certificate")
    organisational = all(r.is_organisational for r in holder.roles)
    if organisational and holder.bin is None:
        raise LoginError("auth.no_identity", "a legal-entity certificate without a BIN")
    policy = POLICY_ORGANISATION_AUTH if organisational else POLICY_INDIVIDUAL_AUTH
    if policy.dotted_string not in holder.policies:
        raise LoginError("auth.wrong_policy", f"the certificate lacks policy {policy.dotted_string}")
    return LoginIdentity(
        iin=holder.iin,
        bin=holder.bin,
        roles=holder.roles,
        common_name=holder.common_name,
        organisation=holder.organisation,
        report=report,
    )


def verify_login(
    cms_der: bytes,
    challenge: bytes,
    trust: TrustAnchors,
    revocation: RevocationSource,
    *,
    at: datetime | None = None,
) -> LoginIdentity:
    """Synchronous `async_verify_login`."""
    return run_sync(async_verify_login(cms_der, challenge, trust, revocation, at=at))
