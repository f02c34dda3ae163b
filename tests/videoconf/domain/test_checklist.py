"""The registrar's checklist rules and what blocks an approval."""

from __future__ import annotations

import pytest

from videoconf.domain.checklist import (
    Findings,
    ParticipantState,
    approval_blockers,
    evaluate,
    rejection_problems,
)

ALL_GOOD = Findings(identity_confirmed=True, legal_capacity_confirmed=True, free_will_confirmed=True)


def test_a_clean_check_passes() -> None:
    assert evaluate("housing_company", {}, ALL_GOOD) == []


@pytest.mark.parametrize(
    ("findings", "problem"),
    [
        (Findings(False, True, True), "identity_not_confirmed"),
        (Findings(True, False, True), "legal_capacity_not_confirmed"),
        (Findings(True, True, False), "free_will_not_confirmed"),
    ],
)
def test_each_unconfirmed_item_fails_the_check(findings: Findings, problem: str) -> None:
    assert evaluate("spouse", {}, findings) == [problem]


def test_the_document_shown_must_match_the_persons_register() -> None:
    expected = {"document_number": "N12345678"}
    seen_same = Findings(True, True, True, document_number_seen="n 1234-5678")
    seen_other = Findings(True, True, True, document_number_seen="N87654321")
    assert evaluate("applicant", expected, seen_same) == []
    assert evaluate("applicant", expected, seen_other) == ["document_number_mismatch"]


def test_the_register_showing_incapacity_fails_even_a_confirmed_check() -> None:
    assert evaluate("applicant", {"legally_capable": False}, ALL_GOOD) == ["register_shows_incapacity"]


def test_a_married_applicant_needs_the_spouse_present() -> None:
    assert evaluate("applicant", {"married": True}, ALL_GOOD) == ["spouse_absent"]
    with_spouse = Findings(True, True, True, spouse_present=True)
    assert evaluate("applicant", {"married": True}, with_spouse) == []
    assert evaluate("applicant", {"married": False}, ALL_GOOD) == []


def party(role: str, *, connection: int = 1, verified: int | None = 1, married: bool | None = None):
    return ParticipantState(role, connection, consented=True, married=married, verified_connection=verified)


def test_approval_needs_every_party_verified_on_their_current_connection() -> None:
    room = [party("registrar", verified=None), party("applicant"), party("housing_company")]
    assert approval_blockers(room, recorded=True) == []
    rejoined = [party("registrar", verified=None), party("applicant", connection=2), party("housing_company")]
    assert approval_blockers(rejoined, recorded=True) == ["participant_not_verified"]


def test_approval_needs_a_recording_and_everyones_consent() -> None:
    room = [party("registrar", verified=None), party("applicant")]
    assert approval_blockers(room, recorded=False) == ["no_recording"]
    silent = [ParticipantState("applicant", 1, consented=False, married=None, verified_connection=1)]
    assert "recording_consent_missing" in approval_blockers(silent, recorded=True)


def test_a_married_applicant_cannot_be_approved_without_a_verified_spouse() -> None:
    room = [
        party("registrar", verified=None),
        party("applicant", married=True),
        party("spouse", verified=None),
    ]
    assert approval_blockers(room, recorded=True) == ["participant_not_verified", "spouse_absent"]


def test_a_rejection_needs_known_reasons() -> None:
    assert rejection_problems([]) == ["reasons_required"]
    assert rejection_problems(["coercion_suspected"]) == []
    assert rejection_problems(["because"]) == ["unknown_reason:because"]
