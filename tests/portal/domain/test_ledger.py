"""The buyout ledger's rule against hand-computed figures on a 12-month schedule of 1.2 mln at
3.1 % (instalment P·r / (1 − (1 + r)^−12) with r = 0.031/12: 101,687.11)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.domain.ledger import ledger_figures
from portal.domain.schedule import annuity_schedule

D = Decimal
SCHEDULE = annuity_schedule(D("1200000.00"), D("3.1"), 12, date(2026, 3, 1))
R = SCHEDULE.rows


def test_the_schedule_used_here():
    assert SCHEDULE.instalment == D("101687.11")
    assert R[0].interest == D("3100.00")  # 1.2 mln × 3.1 % / 12
    assert R[0].payment == SCHEDULE.instalment
    assert R[0].early_buyout == D("1200000.00") - R[0].principal


def test_nothing_due_yet_everything_paid_is_purchase_price():
    f = ledger_figures(SCHEDULE, [D("250000.00"), D("0.01")], date(2026, 2, 28))
    assert f.instalments_due == 0
    assert f.remaining_price == D("949999.99")
    assert f.interest_paid == D("0.00")
    assert f.payoff == D("949999.99")
    assert not f.fully_paid


def test_a_partly_covered_instalment_pays_its_interest_first():
    # two instalments due, the first paid, the second short by 50,000
    second_part = R[1].payment - D("50000.00")
    f = ledger_figures(SCHEDULE, [R[0].payment, second_part], R[1].due_date)
    assert f.instalments_covered == 1
    assert f.arrears == D("50000.00")
    assert f.remaining_price == R[0].early_buyout - (second_part - R[1].interest)
    assert f.interest_paid == R[0].interest + R[1].interest
    # paying off that day: the early-buyout value after the 2nd instalment, plus the arrears
    assert f.payoff == R[1].early_buyout + D("50000.00")


def test_a_shortfall_smaller_than_the_interest_buys_no_price():
    f = ledger_figures(SCHEDULE, [R[0].payment, D("1000.00")], R[1].due_date)
    assert f.remaining_price == R[0].early_buyout
    assert f.principal_paid == R[0].principal


def test_surplus_beyond_what_is_due_is_early_repayment():
    f = ledger_figures(SCHEDULE, [R[0].payment, D("300000.00")], R[0].due_date)
    assert f.arrears == D("0.00")
    assert f.remaining_price == R[0].early_buyout - D("300000.00")
    # a month later that month's interest has come due on top
    later = ledger_figures(SCHEDULE, [R[0].payment, D("300000.00")], R[1].due_date)
    assert later.remaining_price == f.remaining_price + R[1].interest


def test_paying_the_schedule_through_leaves_nothing():
    f = ledger_figures(SCHEDULE, [r.payment for r in R], R[-1].due_date)
    assert f.remaining_price == D("0.00")
    assert f.paid == SCHEDULE.total_paid
    assert f.interest_paid == SCHEDULE.total_interest
    assert f.fully_paid


def test_the_payoff_of_a_day_is_exactly_what_buys_the_flat_out():
    paid = [R[0].payment, D("12345.67")]
    quote = ledger_figures(SCHEDULE, paid, R[2].due_date).payoff
    done = ledger_figures(SCHEDULE, [*paid, quote], R[2].due_date)
    assert done.remaining_price == D("0.00")
    assert done.fully_paid
    assert not ledger_figures(SCHEDULE, [*paid, quote - D("0.01")], R[2].due_date).fully_paid
