"""Each ground the registrar checks: the failing check names it with its evidence, registering
is refused, and the registrar suspends (art. 27) or refuses (art. 31) citing the ground."""

from __future__ import annotations

from decimal import Decimal

import pytest
from cryptography import x509

from common.http_client import ServiceError
from registry_gateway.domain.seed import HOUSING_COMPANY_BIN
from registry_gateway.signatures import get_ca
from tests.registry_gateway.conftest import SEED, Signer, World, person_signer

FEE = Decimal("2162.50")
SUSPEND_DOCS = "Z070000310.art27.p1.sp3"
REFUSE_CONFLICT = "Z070000310.art31.p1.sp4"


def _prepared(
    world: World, company: Signer, applicant_key: str, flat_key: str, ref: str, *, pay: bool = True
):
    applicant = person_signer(applicant_key)
    flat = world.rg.seed()["properties"][flat_key]
    case = world.submit("encumbrance.lease", flat, applicant.iin, company, ref)
    world.sign_all(case.id, applicant, company)
    if pay:
        world.rg.pay_fee(case.id, FEE)
    return case, applicant


def _failed(case) -> dict[str, str]:
    return {c.code: c.detail for c in case.checks if not c.passed}


def _register_refused(world: World, case_id: str, registrar: Signer) -> list[str]:
    with pytest.raises(ServiceError) as refused:
        world.decide(case_id, "register", registrar)
    assert refused.value.code == "case.checks_failed"
    return refused.value.problem["failed"]


def test_a_married_applicant_whose_spouse_is_absent_is_suspended(
    world: World, company: Signer, registrar: Signer
) -> None:
    case, _ = _prepared(world, company, "applicant_married", "flat_free_2", "G-1")
    world.hold_video(case.id, absent=(SEED["spouse"].iin,))
    case = world.rg.run_checks(case.id)
    failed = _failed(case)
    assert "spouse absent" in failed["spouse_present"]
    assert "AKT-M-" in failed["spouse_present"]
    assert _register_refused(world, case.id, registrar) == ["spouse_present", "video_positive"]

    case = world.decide(
        case.id, "suspend", registrar, ground_code=SUSPEND_DOCS, documents_requested=["spouse's consent"]
    )
    assert case.state == "suspended"
    assert case.decision.ground_code == SUSPEND_DOCS
    assert case.decision.suspended_until is not None
    assert case.history[-1].actor == f"registrar:{registrar.iin}"
    assert SUSPEND_DOCS in case.history[-1].reason

    resumed = world.rg.resume(case.id, [], "the spouse will attend a second session")
    assert resumed.state == "checking"


def test_a_participant_on_the_terrorism_list_is_refused(
    world: World, company: Signer, registrar: Signer
) -> None:
    case, applicant = _prepared(world, company, "listed_person", "flat_free_3", "G-2")
    world.hold_video(case.id)
    case = world.rg.run_checks(case.id)
    assert list(_failed(case)) == ["terrorism_list_clear"]
    assert applicant.iin in _failed(case)["terrorism_list_clear"]
    with pytest.raises(ServiceError) as no_reasons:
        world.decide(case.id, "refuse", registrar, ground_code="Z070000310.art31.p1.sp2")
    assert no_reasons.value.code == "case.reasons_required"
    case = world.decide(
        case.id, "refuse", registrar, ground_code="Z070000310.art31.p1.sp2", reasons="listed person"
    )
    assert case.state == "refused"
    assert case.decision.reasons == "listed person"


def test_an_existing_encumbrance_prevents_registration(
    world: World, company: Signer, registrar: Signer
) -> None:
    case, _ = _prepared(world, company, "applicant_single", "flat_encumbered", "G-3")
    world.hold_video(case.id)
    case = world.rg.run_checks(case.id)
    assert list(_failed(case)) == ["no_preventing_encumbrance"]
    assert "lease" in _failed(case)["no_preventing_encumbrance"]
    with pytest.raises(ServiceError) as wrong_article:
        world.decide(case.id, "refuse", registrar, ground_code=SUSPEND_DOCS, reasons="x")
    assert wrong_article.value.code == "case.ground_unknown"
    case = world.decide(case.id, "refuse", registrar, ground_code=REFUSE_CONFLICT, reasons="a live lease")
    assert case.state == "refused"


def test_an_unpaid_fee_fails_its_check_until_it_is_paid(
    world: World, company: Signer, registrar: Signer
) -> None:
    case, _ = _prepared(world, company, "applicant_single", "flat_free_1", "G-4", pay=False)
    with pytest.raises(ServiceError) as short:
        world.rg.pay_fee(case.id, Decimal("100.00"))
    assert short.value.code == "case.fee_amount"
    world.hold_video(case.id)
    case = world.rg.run_checks(case.id)
    assert list(_failed(case)) == ["fee_paid"]
    assert _register_refused(world, case.id, registrar) == ["fee_paid"]
    # Checked before the fee was paid, the case can still be paid for; then the check passes.
    assert world.rg.pay_fee(case.id, FEE).amount == FEE
    case = world.rg.run_checks(case.id)
    assert _failed(case) == {}
    assert case.deadline is not None


def test_a_revoked_certificate_fails_the_signature_check(
    world: World, company: Signer, registrar: Signer
) -> None:
    case, applicant = _prepared(world, company, "applicant_single", "flat_free_1", "G-5")
    get_ca().revoke(applicant.keys.sign.certificate, x509.ReasonFlags.key_compromise)
    world.hold_video(case.id)
    case = world.rg.run_checks(case.id)
    assert list(_failed(case)) == ["signatures_valid"]
    assert applicant.iin in _failed(case)["signatures_valid"]
    assert "REVOKED" in _failed(case)["signatures_valid"]


def test_a_rejected_video_fails_the_video_check(world: World, company: Signer, registrar: Signer) -> None:
    case, applicant = _prepared(world, company, "applicant_single", "flat_free_1", "G-6")
    world.hold_video(case.id, approved=False, problems={applicant.iin: "identity not confirmed"})
    case = world.rg.run_checks(case.id)
    assert list(_failed(case)) == ["video_positive"]
    assert "identity not confirmed" in _failed(case)["video_positive"]


def test_a_second_lease_checked_before_the_first_was_registered_is_not_registered(
    world: World, company: Signer, registrar: Signer
) -> None:
    """Two cases on one flat, both checked green while the flat was free: the first registered
    makes the second's checks stale, and the decision says so instead of a second encumbrance."""
    flat = world.rg.scenario_property(owner_bin=HOUSING_COMPANY_BIN).cadastral_number
    cases = []
    for applicant_key, ref in (("applicant_single", "G-7"), ("applicant_married", "G-8")):
        applicant = person_signer(applicant_key)
        case = world.submit("encumbrance.lease", flat, applicant.iin, company, ref)
        world.sign_all(case.id, applicant, company)
        world.rg.pay_fee(case.id, FEE)
        world.hold_video(case.id)
        cases.append(world.rg.run_checks(case.id))
    assert [_failed(c) for c in cases] == [{}, {}]
    assert world.decide(cases[0].id, "register", registrar).state == "registered"
    with pytest.raises(ServiceError) as refused:
        world.decide(cases[1].id, "register", registrar)
    assert (refused.value.status, refused.value.code) == (409, "case.property_encumbered")
    assert len(world.rg.property(flat).encumbrances) == 1
    assert list(_failed(world.rg.run_checks(cases[1].id))) == ["no_preventing_encumbrance"]
