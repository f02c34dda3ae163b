"""A lease registered end to end over HTTP, then at buyout terminated with ownership passing
to the tenant — every check visible, every fact on the chain, the bureau told once."""

from __future__ import annotations

from decimal import Decimal

from chain.client import ChainClient
from registry_gateway.domain.seed import HOUSING_COMPANY_BIN
from tests.registry_gateway.conftest import Signer, World, person_signer, poll


def test_a_lease_is_registered_and_later_bought_out(world: World, company: Signer, registrar: Signer) -> None:
    seed = world.rg.seed()
    flat = seed["properties"]["flat_free_1"]
    applicant = person_signer("applicant_single")

    case = world.submit("encumbrance.lease", flat, applicant.iin, company, "APP-1")
    assert case.state == "awaiting_signatures"
    assert world.submit("encumbrance.lease", flat, applicant.iin, company, "APP-1").id == case.id

    case = world.sign_all(case.id, applicant, company)
    assert case.state == "awaiting_payment"
    receipt = world.rg.pay_fee(case.id, Decimal("2162.50"))
    assert receipt.amount == Decimal("2162.50")
    assert receipt.reference == case.id
    case = world.rg.get_case(case.id)
    assert case.state == "awaiting_video"
    assert case.deadline is not None

    queue = world.rg.list_cases(state="awaiting_video")
    assert [(c.id, c.deadline) for c in queue] == [(case.id, case.deadline)]

    world.hold_video(case.id)
    case = world.rg.run_checks(case.id)
    assert case.state == "checking"
    assert {c.code: c.passed for c in case.checks} == {
        "fee_paid": True,
        "signatures_valid": True,
        "spouse_present": True,
        "no_preventing_encumbrance": True,
        "terrorism_list_clear": True,
        "video_positive": True,
        "property_exists": True,
    }
    case = world.decide(case.id, "register", registrar)
    assert case.state == "registered"
    assert case.decision is not None
    assert case.decision.registrar_iin == registrar.iin

    record = world.rg.property(flat)
    live = [e for e in record.encumbrances if e.terminated_at is None]
    assert [(e.kind, e.holder_iin) for e in live] == [("lease", applicant.iin)]
    assert record.registration_sheet[-1].action == "encumbrance.registered"

    lease = poll(lambda: world.rg.get_case(case.id), lambda c: "encumbrance.registered" in c.chain)
    assert {"registration.submitted", "encumbrance.registered"} <= set(lease.chain)
    with ChainClient(world.chain_url) as chain:
        assert b"encumbrance.registered" in chain.entry_bytes(lease.chain["encumbrance.registered"])

    # The applicant's e-gov cabinet and the credit bureau heard of it, once each.
    inbox = poll(lambda: world.outside.get("/v1/egov/messages", params={"iin": applicant.iin}).json(), bool)
    assert len(inbox) == 1
    assert inbox[0]["sent_at"]
    assert inbox[0]["received_at"]
    hooks = poll(lambda: world.outside.get("/v1/bureau/webhooks").json(), bool)
    assert [(h["type"], h["payload"]["data"]["case_id"]) for h in hooks] == [
        ("registration.registered", case.id)
    ]

    # Buyout: termination of the lease, then ownership to the tenant.
    termination = world.submit("encumbrance.termination", flat, applicant.iin, company, "BUY-1", case.id)
    ownership = world.submit("ownership.transfer", flat, applicant.iin, company, "BUY-1", termination.id)
    for pending in (termination, ownership):
        world.sign_all(pending.id, applicant, company)
        world.rg.pay_fee(pending.id, Decimal("2162.50"))
        world.hold_video(pending.id)
        checked = world.rg.run_checks(pending.id)
        assert all(c.passed for c in checked.checks), checked.checks
    assert world.decide(termination.id, "register", registrar).state == "registered"
    assert world.decide(ownership.id, "register", registrar).state == "registered"

    record = world.rg.property(flat)
    assert record.owner_iin == applicant.iin
    assert record.owner_bin is None
    assert all(e.terminated_at is not None for e in record.encumbrances)
    assert [s.action for s in record.registration_sheet][-3:] == [
        "encumbrance.registered",
        "encumbrance.terminated",
        "ownership.registered",
    ]
    done = poll(lambda: world.rg.get_case(ownership.id), lambda c: "ownership.registered" in c.chain)
    assert "ownership.registered" in done.chain
    ended = poll(lambda: world.rg.get_case(termination.id), lambda c: "encumbrance.terminated" in c.chain)
    with ChainClient(world.chain_url) as chain:
        entry = chain.entry_bytes(ended.chain["encumbrance.terminated"])
    assert f'"encumbrance_index":"{lease.chain["encumbrance.registered"]}"'.encode() in entry
    assert HOUSING_COMPANY_BIN not in record.registration_sheet[-1].holder
