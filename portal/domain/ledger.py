"""The buyout ledger (§29): how a lease's payments count against its schedule.

Rule (documented in docs/portal.md): the schedule's interest of every month that has come due
(due date on or before the ledger's date) is owed; everything else paid is purchase price.
- Payments are applied in order to the instalments due, each instalment's interest first.
- While the instalments due are not all covered (arrears), the remaining purchase price is the
  early-buyout value after the last fully covered instalment, less the principal part of a
  partly covered one (what it pays beyond that month's interest).
- Once every instalment due is covered, the surplus is early repayment: the remaining purchase
  price is the early-buyout value after the last instalment due, less the surplus.
- The pay-off amount on a date = what one more payment that day must be to buy the flat out:
  the early-buyout value after the last instalment due, plus the instalments due, less the paid.

Every figure is Decimal to the tiyn; nothing here rounds, because schedule rows already are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portal.domain.schedule import Schedule

__all__ = ["LedgerFigures", "ledger_figures"]

_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class LedgerFigures:
    as_of: date | None
    price: Decimal
    paid: Decimal
    instalments_due: int
    due_total: Decimal  # the sum of the instalments due by `as_of`
    instalments_covered: int
    arrears: Decimal
    remaining_price: Decimal  # the purchase price not yet paid
    principal_paid: Decimal
    interest_paid: Decimal
    payoff: Decimal  # what one more payment on `as_of` must be to buy the flat out

    @property
    def fully_paid(self) -> bool:
        return self.payoff <= _ZERO


def ledger_figures(schedule: Schedule, amounts: Sequence[Decimal], as_of: date | None) -> LedgerFigures:
    """The ledger's figures for the payments `amounts` as of `as_of` (None: nothing is due yet)."""
    rows = schedule.rows
    paid = sum(amounts, _ZERO)
    due = [r for r in rows if as_of is not None and r.due_date <= as_of]
    due_total = sum((r.payment for r in due), _ZERO)
    left = paid
    covered = 0
    remaining = schedule.principal
    for row in due:
        if left < row.payment:
            # a partly covered instalment: its interest first, the rest is purchase price
            remaining = remaining - max(_ZERO, left - row.interest)
            left = _ZERO
            break
        left -= row.payment
        covered += 1
        remaining = row.early_buyout
    else:
        remaining = remaining - left  # surplus beyond what is due: early repayment
    arrears = max(_ZERO, due_total - paid)
    principal_paid = schedule.principal - remaining
    return LedgerFigures(
        as_of=as_of,
        price=schedule.principal,
        paid=paid,
        instalments_due=len(due),
        due_total=due_total,
        instalments_covered=covered,
        arrears=arrears,
        remaining_price=remaining,
        principal_paid=principal_paid,
        interest_paid=paid - principal_paid,
        payoff=(due[-1].early_buyout if due else schedule.principal) + due_total - paid,
    )
