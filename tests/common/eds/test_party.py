"""The right party with the right key: role, policy, key purpose, IIN and BIN."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.eds import (
    CaRevocation,
    ExpectedParty,
    Role,
    SignerReport,
    TrustAnchors,
    check_party,
    validate_cms,
)

from .conftest import APPLICANT, DOCUMENT, GUARANTOR, KHC_BIN, KHC_SIGNER, sign_as

HEAD_OR_SIGNER = ExpectedParty.organisation(KHC_BIN, roles={Role.HEAD, Role.MAY_SIGN})


@pytest.fixture(scope="module")
def report_of(p12_files: dict[str, Path], trust: TrustAnchors, revocation: CaRevocation):
    cache: dict[tuple[str, str], SignerReport] = {}

    def report(party: str, purpose: str = "sign") -> SignerReport:
        if (party, purpose) not in cache:
            signature = sign_as(p12_files[party], purpose=purpose)
            (cache[party, purpose],) = validate_cms(signature, DOCUMENT, trust, revocation)
        return cache[party, purpose]

    return report


@pytest.mark.parametrize(
    ("party", "expected"),
    [
        ("applicant", ExpectedParty.individual(APPLICANT.iin)),
        ("khc_head", HEAD_OR_SIGNER),
        ("khc_signer", HEAD_OR_SIGNER),
        ("khc_signer", ExpectedParty.organisation(KHC_BIN, roles={Role.MAY_SIGN}, iin=KHC_SIGNER.iin)),
    ],
)
def test_the_expected_party_passes(report_of, party: str, expected: ExpectedParty) -> None:
    check = check_party(report_of(party), expected)
    assert (check.ok, check.code) == (True, "party.ok")


@pytest.mark.parametrize(
    ("party", "purpose", "expected", "code"),
    [
        # An individual's key where the housing company's head must sign.
        ("applicant", "sign", HEAD_OR_SIGNER, "party.wrong_role"),
        # A company key where the applicant must sign as a person.
        ("khc_head", "sign", ExpectedParty.individual(APPLICANT.iin), "party.wrong_role"),
        # An employee of the right company without signing authority.
        ("khc_employee", "sign", HEAD_OR_SIGNER, "party.wrong_role"),
        ("khc_head", "sign", ExpectedParty.organisation("990740000010"), "party.bin_mismatch"),
        ("guarantor", "sign", ExpectedParty.individual(APPLICANT.iin), "party.iin_mismatch"),
        ("applicant", "auth", ExpectedParty.individual(APPLICANT.iin), "party.auth_key_used"),
        ("khc_head", "auth", HEAD_OR_SIGNER, "party.auth_key_used"),
    ],
)
def test_the_wrong_party_or_key_fails_with_a_reason(
    report_of, party: str, purpose: str, expected: ExpectedParty, code: str
) -> None:
    check = check_party(report_of(party, purpose), expected)
    assert not check.ok
    assert check.code == code
    assert check.reason


def test_individual_key_for_the_head_explains_itself(report_of) -> None:
    check = check_party(report_of("applicant"), HEAD_OR_SIGNER)
    assert "individual" in check.reason
    assert "head" in check.reason


def test_a_signature_that_did_not_validate_names_no_party(
    p12_files: dict[str, Path], trust: TrustAnchors, revocation: CaRevocation
) -> None:
    (report,) = validate_cms(sign_as(p12_files["guarantor"]), DOCUMENT + b"x", trust, revocation)
    check = check_party(report, ExpectedParty.individual(GUARANTOR.iin))
    assert (check.ok, check.code) == (False, "party.signature_not_valid")


def test_organisation_expectation_needs_organisational_roles() -> None:
    with pytest.raises(ValueError, match="organisational"):
        ExpectedParty.organisation(KHC_BIN, roles={Role.INDIVIDUAL})
