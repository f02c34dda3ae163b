"""Solvency of an application from what the portal holds: the flat's price, the declared
income, the credit bureau's monthly payments, the family from the civil registry, and the
guarantors who are ready (consented, eligible, income declared)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from portal import repository as repo
from portal.config import get_settings
from portal.domain.retirement import retired_by
from portal.domain.schedule import add_months, annuity_payment
from portal.domain.solvency import GuarantorIncome, Household, SolvencyParameters, assess
from portal.models import Application, Flat, Guarantor
from portal.service.base import now

__all__ = ["assess_application", "family_size", "lease_end"]


def family_size(state_data: dict[str, Any]) -> int:
    family = state_data.get("family") or {}
    spouse = 1 if family.get("marital_status") == "married" and family.get("spouse_iin") else 0
    return 1 + spouse + len(family.get("children_iins") or [])


def lease_end(app: Application) -> date:
    return add_months(app.first_due, app.term_months - 1)


def _obligations(state_data: dict[str, Any]) -> Decimal:
    return Decimal(str((state_data.get("credit") or {}).get("monthly_payments") or 0))


def _guarantor_income(g: Guarantor, minimum: Decimal) -> GuarantorIncome | None:
    if g.ineligible or g.monthly_income is None:
        return None
    if g.kind == "employer":
        return GuarantorIncome(f"{g.position}", Decimal(g.monthly_income))
    if g.consent_status != "ACTIVE" or not g.state_data:
        return None
    return GuarantorIncome(
        f"{g.position}", Decimal(g.monthly_income), _obligations(g.state_data), family_size(g.state_data)
    )


def assess_application(session: Session, app: Application) -> dict[str, Any]:
    settings = get_settings()
    flat = session.get(Flat, app.cadastral_number)
    assert flat is not None
    year, minimum = settings.subsistence_minimum_for(now().year)
    params = SolvencyParameters(year, minimum, settings.max_payment_to_income)
    instalment = annuity_payment(Decimal(flat.price), settings.annual_rate_percent, app.term_months)
    person = app.state_data.get("person") or {}
    end = lease_end(app)
    retires = bool(person) and retired_by(date.fromisoformat(person["birth_date"]), person["sex"], end)
    guarantors = repo.guarantors_of(session, app.id)
    counted = tuple(i for g in guarantors if (i := _guarantor_income(g, minimum)) is not None)
    household = Household(
        Decimal(str(app.form.get("monthly_income") or 0)),
        _obligations(app.state_data),
        family_size(app.state_data),
    )
    report = assess(household, instalment, params, guarantors=counted, retires_before_end=retires)
    return {
        "year": params.year,
        "subsistence_minimum": f"{params.subsistence_minimum}",
        "max_payment_to_income": f"{params.max_payment_to_income}",
        "price": f"{Decimal(flat.price):.2f}",
        "annual_rate_percent": f"{settings.annual_rate_percent}",
        "term_months": app.term_months,
        "lease_end": end.isoformat(),
        "instalment": f"{report.instalment}",
        "assessed_income": f"{report.assessed_income}",
        "payment_to_income": None if report.payment_to_income is None else f"{report.payment_to_income}",
        "residual_per_member": f"{report.residual_per_member}",
        "income_sufficient": report.income_sufficient,
        "retires_before_end": report.retires_before_end,
        "needs_guarantor": report.needs_guarantor,
        "reasons": list(report.reasons),
        "figures": [{"key": f.key, "value": f"{f.value}", "formula": f.formula} for f in report.figures],
    }
