from datetime import date
from decimal import Decimal

import pytest

from portal.domain.lease import (
    OrderViolation,
    Party,
    PartyRole,
    lease_bytes,
    lease_document,
    next_party,
    signed_schedule,
)
from portal.domain.schedule import annuity_schedule

PARTIES = [
    Party(PartyRole.APPLICANT, "ASANOV ASAN", iin="900515301234"),
    Party(PartyRole.GUARANTOR, "EMPLOYER LLP", bin="150340000017"),
    Party(PartyRole.HEAD, "KZHK", bin="010740000115"),
]


def _doc():
    schedule = annuity_schedule(Decimal(15_000_000), Decimal("3.1"), 120, date(2026, 8, 1))
    return lease_document(
        lease_id="L1",
        application_id="A1",
        concluded_on=date(2026, 7, 1),
        parties=PARTIES,
        flat={"cadastral_number": "20:316:001:045:1:12", "address": "Astana"},
        schedule=schedule,
    )


def test_the_signed_terms_give_back_the_signed_schedule():
    """The ledger reads the lease's own terms: the rate and price the parties signed."""
    schedule = annuity_schedule(Decimal(15_000_000), Decimal("3.1"), 120, date(2026, 8, 1))
    assert signed_schedule(lease_bytes(_doc())) == schedule
    assert signed_schedule(lease_bytes(_doc())).rows[0].interest == Decimal("38750.00")


def test_same_inputs_same_bytes():
    assert lease_bytes(_doc()) == lease_bytes(_doc())
    assert lease_bytes(_doc()).startswith(b'{"application_id":"A1"')  # RFC 8785: keys sorted


def test_signing_order():
    assert next_party(PARTIES, 0, "900515301234", None).role is PartyRole.APPLICANT
    with pytest.raises(OrderViolation) as out_of_order:
        next_party(PARTIES, 0, None, "010740000115")
    assert out_of_order.value.code == "lease.out_of_order"
    with pytest.raises(OrderViolation) as twice:
        next_party(PARTIES, 1, "900515301234", None)
    assert twice.value.code == "lease.already_signed"
    with pytest.raises(OrderViolation) as stranger:
        next_party(PARTIES, 1, "880101300123", None)
    assert stranger.value.code == "lease.not_a_party"
    assert next_party(PARTIES, 2, "770101300000", "010740000115").role is PartyRole.HEAD
