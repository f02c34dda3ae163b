"""Solvency of a household for a rent-to-own lease, with every figure explained.

Pilot policy (KZhK's own formula is not published; research/domain-anchors.md §3.3):

1. payment-to-income: (monthly instalment + other monthly obligations) / assessed income ≤ 0.5;
2. residual income: (assessed income − instalment − obligations) / family members ≥ the
   subsistence minimum of the year (budget law: 46,228 KZT in 2025, 50,851 KZT in 2026).

Guarantors' income is combined by one documented rule: a guarantor contributes only what is
left after their own obligations and the subsistence minimum for each member of their own
family, `max(0, income − obligations − minimum × family)`; an employer or entrepreneur
contributes the monthly amount it guarantees (family 0, so all of it). The assessed income is
the applicant's net income plus those contributions, and both checks use it.

Independently, a lease that ends after the applicant reaches retirement age needs a guarantor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from portal.domain.schedule import money

__all__ = [
    "DEFAULT_MAX_PAYMENT_TO_INCOME",
    "Figure",
    "GuarantorIncome",
    "Household",
    "SolvencyParameters",
    "SolvencyReport",
    "assess",
    "guarantor_contribution",
]

DEFAULT_MAX_PAYMENT_TO_INCOME = Decimal("0.5")
_RATIO = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class SolvencyParameters:
    year: int
    subsistence_minimum: Decimal
    max_payment_to_income: Decimal = DEFAULT_MAX_PAYMENT_TO_INCOME


@dataclass(frozen=True, slots=True)
class Household:
    monthly_income: Decimal  # average net monthly income over the last 6 months
    monthly_obligations: Decimal  # other loans, alimony: monthly debt service
    family_size: int  # members living with the applicant, the applicant included


@dataclass(frozen=True, slots=True)
class GuarantorIncome:
    label: str
    monthly_income: Decimal
    monthly_obligations: Decimal = Decimal(0)
    family_size: int = 0


@dataclass(frozen=True, slots=True)
class Figure:
    """One line of the explanation: a name, its value, and how it was obtained."""

    key: str
    value: Decimal
    formula: str


@dataclass(frozen=True, slots=True)
class SolvencyReport:
    parameters: SolvencyParameters
    instalment: Decimal
    assessed_income: Decimal
    payment_to_income: Decimal | None
    residual_per_member: Decimal
    income_sufficient: bool
    retires_before_end: bool
    figures: tuple[Figure, ...]
    reasons: tuple[str, ...] = field(default=())

    @property
    def needs_guarantor(self) -> bool:
        return bool(self.reasons)


def guarantor_contribution(guarantor: GuarantorIncome, minimum: Decimal) -> Decimal:
    free = guarantor.monthly_income - guarantor.monthly_obligations - minimum * guarantor.family_size
    return money(max(Decimal(0), free))


def assess(
    household: Household,
    instalment: Decimal,
    parameters: SolvencyParameters,
    *,
    guarantors: tuple[GuarantorIncome, ...] = (),
    retires_before_end: bool = False,
) -> SolvencyReport:
    if household.family_size < 1:
        raise ValueError("a household has at least one member")
    minimum = parameters.subsistence_minimum
    figures = [
        Figure("instalment", instalment, "annuity instalment of the lease"),
        Figure("applicant_income", household.monthly_income, "average net monthly income, last 6 months"),
        Figure("obligations", household.monthly_obligations, "other monthly debt service"),
        Figure("subsistence_minimum", minimum, f"subsistence minimum of {parameters.year} (budget law)"),
    ]
    contributions = Decimal(0)
    for g in guarantors:
        part = guarantor_contribution(g, minimum)
        contributions += part
        figures.append(
            Figure(
                f"guarantor:{g.label}",
                part,
                f"max(0, {g.monthly_income} − {g.monthly_obligations} − {minimum} × {g.family_size})",
            )
        )
    assessed = household.monthly_income + contributions
    figures.append(Figure("assessed_income", assessed, "applicant income + guarantors' contributions"))
    outgoing = instalment + household.monthly_obligations
    pti = (outgoing / assessed).quantize(_RATIO, rounding=ROUND_HALF_EVEN) if assessed > 0 else None
    if pti is not None:
        figures.append(
            Figure(
                "payment_to_income",
                pti,
                f"({instalment} + {household.monthly_obligations}) / {assessed}"
                f" ≤ {parameters.max_payment_to_income}",
            )
        )
    residual = money((assessed - outgoing) / household.family_size)
    figures.append(
        Figure(
            "residual_per_member",
            residual,
            f"({assessed} − {instalment} − {household.monthly_obligations}) / {household.family_size}"
            f" ≥ {minimum}",
        )
    )
    reasons: list[str] = []
    pti_ok = assessed > 0 and outgoing <= assessed * parameters.max_payment_to_income
    if not pti_ok:
        reasons.append("solvency.payment_to_income")
    if residual < minimum:
        reasons.append("solvency.residual_income")
    if retires_before_end and not guarantors:
        reasons.append("solvency.retirement_before_lease_end")
    return SolvencyReport(
        parameters=parameters,
        instalment=instalment,
        assessed_income=assessed,
        payment_to_income=pti,
        residual_per_member=residual,
        income_sufficient=pti_ok and residual >= minimum,
        retires_before_end=retires_before_end,
        figures=tuple(figures),
        reasons=tuple(reasons),
    )
