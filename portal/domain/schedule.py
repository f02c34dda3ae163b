"""Annuity schedule of a rent-to-own lease, the way Apache Fineract computes an EMI loan.

Money is Decimal in tenge, rounded to the tiyn (0.01) HALF_EVEN (Fineract's default rounding
mode). The fixed instalment is `P·r / (1 − (1 + r)^−n)` with `r` the annual rate / 12 / 100;
each month's interest is the outstanding principal × r, rounded; the principal part is the
instalment minus that interest; the last instalment pays whatever principal is left, so the
rounding residue never outlives the lease. The early-buyout value after a month is the principal
still outstanding after that month's payment (the residual value of the programme's terms).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

__all__ = [
    "MAX_TERM_MONTHS",
    "TIYN",
    "Instalment",
    "Schedule",
    "add_months",
    "annuity_payment",
    "annuity_schedule",
    "money",
    "monthly_rate",
]

TIYN = Decimal("0.01")
MAX_TERM_MONTHS = 240  # 20 years, the programme's longest term


def money(value: Decimal) -> Decimal:
    return value.quantize(TIYN, rounding=ROUND_HALF_EVEN)


def monthly_rate(annual_rate_percent: Decimal) -> Decimal:
    return annual_rate_percent / Decimal(12) / Decimal(100)


def annuity_payment(principal: Decimal, annual_rate_percent: Decimal, months: int) -> Decimal:
    """The fixed monthly instalment, rounded to the tiyn."""
    if principal <= 0:
        raise ValueError("principal must be positive")
    if not 1 <= months <= MAX_TERM_MONTHS:
        raise ValueError(f"term must be 1..{MAX_TERM_MONTHS} months")
    with localcontext() as ctx:
        ctx.prec = 34  # enough digits that (1 + r)^-240 keeps every tiyn
        r = monthly_rate(annual_rate_percent)
        if r == 0:
            return money(principal / months)
        return money(principal * r / (1 - (1 + r) ** -months))


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int
    due_date: date
    payment: Decimal
    interest: Decimal
    principal: Decimal
    balance_after: Decimal
    early_buyout: Decimal  # what buying the flat out right after this payment costs


@dataclass(frozen=True, slots=True)
class Schedule:
    principal: Decimal
    annual_rate_percent: Decimal
    months: int
    instalment: Decimal
    rows: tuple[Instalment, ...]

    @property
    def total_interest(self) -> Decimal:
        return sum((row.interest for row in self.rows), Decimal(0))

    @property
    def total_paid(self) -> Decimal:
        return sum((row.payment for row in self.rows), Decimal(0))


def annuity_schedule(
    principal: Decimal, annual_rate_percent: Decimal, months: int, first_due: date
) -> Schedule:
    instalment = annuity_payment(principal, annual_rate_percent, months)
    r = monthly_rate(annual_rate_percent)
    balance = principal
    rows: list[Instalment] = []
    for number in range(1, months + 1):
        interest = money(balance * r)
        # the last instalment absorbs the rounding residue
        principal_part = balance if number == months else min(instalment - interest, balance)
        balance -= principal_part
        rows.append(
            Instalment(
                number=number,
                due_date=add_months(first_due, number - 1),
                payment=principal_part + interest,
                interest=interest,
                principal=principal_part,
                balance_after=balance,
                early_buyout=balance,
            )
        )
    return Schedule(principal, annual_rate_percent, months, instalment, tuple(rows))
