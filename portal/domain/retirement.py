"""Retirement age (Social Code of Kazakhstan) and the guarantor eligibility rule of the pilot.

Men retire at 63. Women retire at 61 through 2027, then half a year later each year, reaching
63 from 1 January 2031. A lease that ends after its tenant reaches retirement age needs a
guarantor; an individual guarantor must be at least 21 and must not reach retirement age before
the lease ends (pilot policy, research/domain-anchors.md §3.4).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "GUARANTOR_MIN_AGE",
    "GuarantorKind",
    "Residency",
    "age_in_months",
    "guarantor_ineligibility",
    "retired_by",
    "retirement_age",
]

GUARANTOR_MIN_AGE = 21
_WOMEN = {2028: Decimal("61.5"), 2029: Decimal("62"), 2030: Decimal("62.5")}


class GuarantorKind(StrEnum):
    INDIVIDUAL = "individual"
    ENTREPRENEUR = "entrepreneur"  # an individual entrepreneur, identified by IIN
    EMPLOYER = "employer"  # a legal entity, identified by BIN


class Residency(StrEnum):
    CITIZEN = "citizen"
    RESIDENCE_PERMIT = "residence_permit"
    OTHER = "other"


def retirement_age(sex: str, on: date) -> Decimal:
    """Retirement age in years for `sex` ("M"/"F") in the year of `on`."""
    if sex == "M" or on.year >= 2031:
        return Decimal(63)
    if on.year <= 2027:
        return Decimal(61)
    return _WOMEN[on.year]


def age_in_months(birth: date, on: date) -> int:
    months = (on.year - birth.year) * 12 + on.month - birth.month
    return months - 1 if on.day < birth.day else months


def retired_by(birth: date, sex: str, on: date) -> bool:
    """Whether a person born on `birth` has reached retirement age on `on`."""
    return age_in_months(birth, on) >= retirement_age(sex, on) * 12


def guarantor_ineligibility(
    *,
    kind: GuarantorKind,
    birth: date | None,
    sex: str | None,
    residency: Residency | None,
    today: date,
    lease_end: date,
) -> list[tuple[str, str]]:
    """Reasons (code, detail) why a guarantor is not eligible; empty when eligible."""
    if kind is not GuarantorKind.INDIVIDUAL:
        return []  # entrepreneurs and employers answer with their business, not their age
    reasons: list[tuple[str, str]] = []
    if birth is None or sex is None:
        raise ValueError("an individual guarantor needs a birth date and sex")
    if age_in_months(birth, today) < GUARANTOR_MIN_AGE * 12:
        reasons.append(("guarantor.too_young", f"a guarantor must be at least {GUARANTOR_MIN_AGE}"))
    if retired_by(birth, sex, lease_end):
        age = retirement_age(sex, lease_end)
        reasons.append(
            (
                "guarantor.retired_before_lease_end",
                f"the guarantor reaches retirement age ({age}) before the lease ends on {lease_end}",
            )
        )
    if residency not in (Residency.CITIZEN, Residency.RESIDENCE_PERMIT):
        reasons.append(("guarantor.residency", "a guarantor must be a citizen or hold a residence permit"))
    return reasons
