"""Logging in with the authentication key over a server challenge."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.eds import (
    CaRevocation,
    LoginError,
    RevocationData,
    Role,
    TrustAnchors,
    merge,
    new_challenge,
    verify_login,
)

from .conftest import APPLICANT, KHC_BIN, KHC_HEAD, sign_as


def test_individual_logs_in_with_the_authentication_key(
    p12_files: dict[str, Path], trust: TrustAnchors, revocation: CaRevocation
) -> None:
    challenge = new_challenge()
    identity = verify_login(sign_as(p12_files["applicant"], challenge, "auth"), challenge, trust, revocation)
    assert (identity.iin, identity.bin, identity.roles) == (APPLICANT.iin, None, (Role.INDIVIDUAL,))
    assert identity.report.passed


async def test_organisation_head_logs_in_with_bin_and_role(
    p12_files: dict[str, Path], trust: TrustAnchors, revocation: CaRevocation
) -> None:
    # Called from a running event loop, as a FastAPI endpoint would.
    challenge = new_challenge()
    identity = verify_login(sign_as(p12_files["khc_head"], challenge, "auth"), challenge, trust, revocation)
    assert (identity.iin, identity.bin, identity.roles) == (KHC_HEAD.iin, KHC_BIN, (Role.HEAD,))


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda p12, c: sign_as(p12["applicant"], c, "sign"), "auth.sign_key_used"),
        (lambda p12, c: sign_as(p12["applicant"], new_challenge(), "auth"), "auth.signature_invalid"),
        (
            lambda p12, c: merge(
                [sign_as(p12["applicant"], c, "auth"), sign_as(p12["guarantor"], c, "auth")]
            ),
            "auth.signer_count",
        ),
        (lambda p12, c: b"garbage", "auth.malformed"),
    ],
    ids=["signing-key", "other-challenge", "two-signers", "garbage"],
)
def test_login_refusals_have_stable_codes(
    p12_files: dict[str, Path], trust: TrustAnchors, revocation: CaRevocation, make, code: str
) -> None:
    challenge = new_challenge()
    with pytest.raises(LoginError) as caught:
        verify_login(make(p12_files, challenge), challenge, trust, revocation)
    assert caught.value.code == code


def test_login_without_revocation_data_is_refused(p12_files: dict[str, Path], trust: TrustAnchors) -> None:
    challenge = new_challenge()
    with pytest.raises(LoginError) as caught:
        verify_login(sign_as(p12_files["applicant"], challenge, "auth"), challenge, trust, RevocationData())
    assert caught.value.code == "auth.signature_invalid"
