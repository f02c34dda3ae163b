"""Stage 3 from the portal over HTTP (§29–§37): a registered lease is paid off through the
ledger (partial payments, then the last one), the head signs the release letter
(`letter.issued` on the chain), the termination and ownership applications go to the gateway
and are registered — and the tenant owns the flat in the cadastre."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from common.calendar import local_date
from portal.config import get_settings
from portal.service import base
from tests.portal.stages import Stages, ok, wait
from tests.portal.stages import stages as stages  # the fixture

D = Decimal


def test_paid_off_lease_ends_in_the_tenants_ownership(
    stages: Stages, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = stages.signed_lease(price="1200000.00", term_months=12)
    applicant, officer, head = deal.applicant, deal.officer, deal.head
    lease_case = stages.register_lease(deal)
    rows = ok(applicant.get(f"/v1/applications/{deal.application_id}/schedule"))["rows"]
    payments = f"/v1/leases/{deal.lease_id}/payments"

    # Officers record payments, idempotently by the bank's reference; the tenant cannot.
    first = {"amount": rows[0]["payment"], "paid_on": _today(), "reference": "KASPI-0001"}
    assert applicant.post(payments, first).status_code == 403
    ledger = ok(officer.post(payments, first), 201)
    assert ok(officer.post(payments, first), 200) == ledger
    conflict = officer.post(payments, {**first, "amount": "10.00"})
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "payment.reference_conflict"
    ledger = ok(
        officer.post(payments, {"amount": "250000.50", "paid_on": _today(), "reference": "KASPI-0002"}), 201
    )

    # The lease's terms are the signed ones: a new rate or price for the flat changes no ledger.
    monkeypatch.setattr(get_settings(), "annual_rate_percent", D("9.9"))
    assert ok(applicant.get(payments)) == ledger
    repriced = officer.post("/v1/flats", {"cadastral_number": deal.cadastral_number, "price": "1.00"})
    assert (repriced.status_code, repriced.json()["code"]) == (409, "flat.reserved")

    # Nothing has come due yet (the first instalment falls next month): all paid is price.
    paid = D(rows[0]["payment"]) + D("250000.50")
    assert ledger["paid"] == f"{paid}"
    assert ledger["remaining_price"] == f"{D('1200000.00') - paid}"
    assert ledger["interest_paid"] == "0.00"
    assert ledger["payoff"] == ledger["remaining_price"]
    assert [p["reference"] for p in ledger["payments"]] == ["KASPI-0001", "KASPI-0002"]
    # quoted for the second due date, the two instalments' interest has come due on top
    quote = ok(applicant.get(payments, params={"on": rows[1]["due_date"]}))
    interest = D(rows[0]["interest"]) + D(rows[1]["interest"])
    assert quote["remaining_price"] == f"{D('1200000.00') - paid + interest}"
    assert quote["payoff"] == quote["remaining_price"]

    # No letter before the price is paid; no more than the price is taken.
    letter_path = f"/v1/leases/{deal.lease_id}/release-letter"
    assert head.get(f"{letter_path}/document").json()["code"] == "buyout.not_fully_paid"
    too_much = officer.post(
        payments,
        {"amount": f"{D(ledger['payoff']) + D('0.01')}", "paid_on": _today(), "reference": "KASPI-X"},
    )
    assert too_much.status_code == 422
    assert too_much.json()["payoff"] == ledger["payoff"]
    last = {"amount": ledger["payoff"], "paid_on": _today(), "reference": "KASPI-0003"}
    ledger = ok(officer.post(payments, last), 201)
    assert ledger["fully_paid"] is True
    assert ledger["remaining_price"] == "0.00"
    assert ledger["principal_paid"] == "1200000.00"
    assert ledger["paid"] == "1200000.00"
    # Paid off, the ledger is closed: later instalments' interest never comes due, nothing more is taken.
    later = ok(applicant.get(payments, params={"on": rows[3]["due_date"]}))
    assert (later["fully_paid"], later["payoff"], later["as_of"]) == (True, "0.00", _today())
    extra = officer.post(payments, {"amount": "1.00", "paid_on": _today(), "reference": "KASPI-EXTRA"})
    assert (extra.status_code, extra.json()["code"]) == (409, "payment.lease_paid_off")

    # The head signs the deterministic release letter; `letter.issued` reaches the chain.
    letter = head.get(f"{letter_path}/document").content
    assert applicant.get(f"{letter_path}/document").content == letter
    assert officer.post(letter_path, {"cms": officer.sign(letter)}).status_code == 403
    view = ok(head.post(letter_path, {"cms": head.sign(letter)}))
    assert view["signed_at"]
    kinds = sorted(c["kind"] for c in view["cases"] if c["kind"] != "encumbrance.lease")
    assert kinds == ["encumbrance.termination", "ownership.transfer"]
    view = wait(lambda: ok(applicant.get(letter_path)), lambda v: v["chain_index"] is not None)
    found = ok(applicant.get("/v1/verify", params={"sha256": view["sha256"], "index": view["chain_index"]}))
    assert found["kind"] == "letter.issued"
    cms = applicant.get(f"{letter_path}/cms").content
    report = ok(
        applicant.post(
            "/v1/verify",
            {"document_b64": base64.b64encode(letter).decode(), "cms": base64.b64encode(cms).decode()},
        )
    )
    assert report["valid"]
    assert report["signers"][0]["bin"] == get_settings().housing_company_bin

    cases = {c["kind"]: c for c in view["cases"]}
    termination, ownership = cases["encumbrance.termination"], cases["ownership.transfer"]
    assert termination["related_case"] == lease_case
    assert ownership["related_case"] == termination["id"]
    assert termination["consent"]["purpose"] == "registration.termination_ownership"

    # One new consent covers both; then signatures, fees and the video check for each.
    stages.prepare_case(deal, termination["id"])
    assert ok(applicant.get(f"/v1/registrations/{ownership['id']}"))["consent"]["status"] == "ACTIVE"
    stages.prepare_case(deal, ownership["id"])
    for case_id in (termination["id"], ownership["id"]):
        stages.hold_video(case_id, deal)
        stages.register(case_id)

    app = wait(
        lambda: ok(applicant.get(f"/v1/applications/{deal.application_id}")),
        lambda a: a["status"] == "bought_out",
    )
    assert app["status"] == "bought_out"
    record = stages.gateway.property(deal.cadastral_number)
    assert record.owner_iin == applicant.iin
    assert record.owner_bin is None
    assert all(e.terminated_at is not None for e in record.encumbrances)
    mine = {c["kind"]: c["state"] for c in ok(applicant.get("/v1/registrations"))}
    assert mine == {
        "encumbrance.lease": "registered",
        "encumbrance.termination": "registered",
        "ownership.transfer": "registered",
    }
    # the ledger is closed: no payment after the buyout
    late = officer.post(payments, {"amount": "1.00", "paid_on": _today(), "reference": "KASPI-0004"})
    assert late.status_code == 409


def test_a_payment_made_today_in_kazakhstan_is_recorded_while_utc_is_still_yesterday(
    stages: Stages, monkeypatch: pytest.MonkeyPatch
) -> None:
    """00:30 in Astana is 19:30 UTC the day before: the bank's date is Kazakhstan's."""
    deal = stages.signed_lease(price="1200000.00", term_months=12)
    real = datetime.now(UTC)
    evening = real.replace(hour=19, minute=30, second=0, microsecond=0)
    if evening <= real:
        evening += timedelta(days=1)
    monkeypatch.setattr(base, "now", lambda: evening)
    kazakhstan_today = (evening + timedelta(days=1)).date().isoformat()

    payments = f"/v1/leases/{deal.lease_id}/payments"
    payment = {"amount": "1000.00", "paid_on": kazakhstan_today, "reference": "KASPI-NIGHT"}
    ledger = ok(deal.officer.post(payments, payment), 201)
    assert [p["paid_on"] for p in ledger["payments"]] == [kazakhstan_today]
    tomorrow = (evening + timedelta(days=2)).date().isoformat()
    future = deal.officer.post(payments, {**payment, "paid_on": tomorrow, "reference": "KASPI-NEXT"})
    assert future.json()["code"] == "payment.future_date"


def _today() -> str:
    return local_date(datetime.now(UTC)).isoformat()
