from datetime import date
from decimal import Decimal

import pytest

from portal.domain.property_tax import annual_tax, tax_schedule
from portal.domain.schedule import add_months, annuity_payment, annuity_schedule


def test_240_month_schedule_first_and_last_instalments():
    # 20,000,000 KZT at 3.1 % over 240 months, worked by hand in research/domain-anchors.md §3.2
    s = annuity_schedule(Decimal(20_000_000), Decimal("3.1"), 240, date(2026, 7, 15))
    first, last = s.rows[0], s.rows[-1]
    assert s.instalment == Decimal("111923.38")
    # first month: interest = 20,000,000 × 0.031 / 12 = 51,666.666… → 51,666.67
    assert (first.payment, first.interest, first.principal) == (
        Decimal("111923.38"),
        Decimal("51666.67"),
        Decimal("60256.71"),
    )
    assert first.early_buyout == Decimal("19939743.29")
    assert last.payment == Decimal("111923.23")  # absorbs the rounding residue
    assert last.balance_after == 0
    assert last.due_date == date(2046, 6, 15)
    assert s.total_interest == Decimal("6861611.05")
    assert sum(r.principal for r in s.rows) == Decimal(20_000_000)


def test_every_amount_is_to_the_tiyn():
    s = annuity_schedule(Decimal("12345678.91"), Decimal("3.1"), 37, date(2026, 1, 31))
    for row in s.rows:
        assert row.payment.as_tuple().exponent == -2
        assert row.payment == row.interest + row.principal
    assert s.rows[1].due_date == date(2026, 2, 28)  # clamped to the shorter month


def test_terms_outside_the_programme_are_refused():
    with pytest.raises(ValueError, match="term"):
        annuity_payment(Decimal(1_000_000), Decimal("3.1"), 241)
    with pytest.raises(ValueError, match="principal"):
        annuity_payment(Decimal(0), Decimal("3.1"), 12)


def test_add_months_crosses_years():
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_property_tax_estimate_by_bracket_and_part_year():
    # 10–75 mln bracket: 11,600 + 0.25 % of the excess over 10 mln
    assert annual_tax(Decimal(20_000_000)) == Decimal("36600.00")
    assert annual_tax(Decimal(1_500_000)) == Decimal("750.00")
    years = tax_schedule(Decimal(20_000_000), date(2026, 7, 1), 18)
    assert [(y.year, y.months, y.estimate) for y in years] == [
        (2026, 6, Decimal("18300.00")),
        (2027, 12, Decimal("36600.00")),
    ]
    assert years[0].due_by == date(2027, 10, 1)
