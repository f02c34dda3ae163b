"""An estimate of the individual property tax the tenant pays each year of the lease.

The brackets are those of the Tax Code of 2017 (art. 529) for individuals' dwellings; the 2026
Tax Code's table was not verified (research/domain-anchors.md, open items), so the table is a
parameter and every figure is labelled an estimate. The taxable value is the flat's price, and
a partial year is counted by the months of that year the lease covers. The tax of a year is due
by 1 October of the next year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portal.domain.schedule import add_months, money

__all__ = ["DEFAULT_BRACKETS", "Bracket", "TaxYear", "annual_tax", "tax_schedule"]


@dataclass(frozen=True, slots=True)
class Bracket:
    above: Decimal  # the bracket applies to values above this
    base: Decimal  # tax on `above`
    rate_percent: Decimal  # on the excess over `above`


DEFAULT_BRACKETS = (
    Bracket(Decimal(0), Decimal(0), Decimal("0.05")),
    Bracket(Decimal(2_000_000), Decimal(1_000), Decimal("0.08")),
    Bracket(Decimal(4_000_000), Decimal(2_600), Decimal("0.1")),
    Bracket(Decimal(6_000_000), Decimal(4_600), Decimal("0.15")),
    Bracket(Decimal(8_000_000), Decimal(7_600), Decimal("0.2")),
    Bracket(Decimal(10_000_000), Decimal(11_600), Decimal("0.25")),
    Bracket(Decimal(75_000_000), Decimal(174_100), Decimal("0.3")),
    Bracket(Decimal(100_000_000), Decimal(249_100), Decimal("0.5")),
)


@dataclass(frozen=True, slots=True)
class TaxYear:
    year: int
    months: int
    estimate: Decimal
    due_by: date


def annual_tax(value: Decimal, brackets: tuple[Bracket, ...] = DEFAULT_BRACKETS) -> Decimal:
    bracket = max((b for b in brackets if value > b.above), key=lambda b: b.above, default=brackets[0])
    return money(bracket.base + (value - bracket.above) * bracket.rate_percent / 100)


def tax_schedule(
    value: Decimal, start: date, months: int, brackets: tuple[Bracket, ...] = DEFAULT_BRACKETS
) -> tuple[TaxYear, ...]:
    per_year = annual_tax(value, brackets)
    counts: dict[int, int] = {}
    for n in range(months):
        year = add_months(start, n).year
        counts[year] = counts.get(year, 0) + 1
    return tuple(
        TaxYear(year, count, money(per_year * count / 12), date(year + 1, 10, 1))
        for year, count in sorted(counts.items())
    )
