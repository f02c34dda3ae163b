from decimal import Decimal

from portal.domain.solvency import GuarantorIncome, Household, SolvencyParameters, assess

PARAMS_2026 = SolvencyParameters(2026, Decimal(50_851))
INSTALMENT = Decimal("111923.38")


def test_sufficient_household_figures_by_hand():
    report = assess(Household(Decimal(300_000), Decimal(20_000), 3), INSTALMENT, PARAMS_2026)
    # (111,923.38 + 20,000) / 300,000 = 0.43974… ; (300,000 − 131,923.38) / 3 = 56,025.54
    assert report.payment_to_income == Decimal("0.4397")
    assert report.residual_per_member == Decimal("56025.54")
    assert report.income_sufficient
    assert not report.needs_guarantor
    keys = [f.key for f in report.figures]
    assert {"instalment", "payment_to_income", "residual_per_member", "subsistence_minimum"} <= set(keys)


def test_insufficient_income_asks_for_a_guarantor():
    report = assess(Household(Decimal(250_000), Decimal(20_000), 3), INSTALMENT, PARAMS_2026)
    # 131,923.38 / 250,000 = 0.5277 > 0.5 ; 118,076.62 / 3 = 39,358.87 < 50,851
    assert report.payment_to_income == Decimal("0.5277")
    assert report.residual_per_member == Decimal("39358.87")
    assert report.reasons == ("solvency.payment_to_income", "solvency.residual_income")
    assert report.needs_guarantor


def test_guarantor_contributes_only_what_their_own_family_does_not_need():
    guarantor = GuarantorIncome("g1", Decimal(200_000), Decimal(10_000), 2)
    report = assess(
        Household(Decimal(250_000), Decimal(20_000), 3), INSTALMENT, PARAMS_2026, guarantors=(guarantor,)
    )
    # contribution = 200,000 − 10,000 − 2 × 50,851 = 88,298 ; assessed = 338,298
    assert report.assessed_income == Decimal(338_298)
    assert report.payment_to_income == Decimal("0.3900")
    assert report.residual_per_member == Decimal("68791.54")
    assert report.income_sufficient


def test_threshold_is_inclusive_and_uses_the_years_minimum():
    params_2025 = SolvencyParameters(2025, Decimal(46_228))
    # exactly half the income goes to the lease: allowed
    report = assess(Household(Decimal(200_000), Decimal(0), 1), Decimal(100_000), params_2025)
    assert report.payment_to_income == Decimal("0.5000")
    assert report.income_sufficient
    # residual 100,000 / 2 = 50,000: above the 2025 minimum, below the 2026 one
    two = Household(Decimal(200_000), Decimal(0), 2)
    assert assess(two, Decimal(100_000), params_2025).income_sufficient
    assert not assess(two, Decimal(100_000), PARAMS_2026).income_sufficient


def test_lease_past_retirement_needs_a_guarantor_even_with_income():
    household = Household(Decimal(900_000), Decimal(0), 1)
    report = assess(household, INSTALMENT, PARAMS_2026, retires_before_end=True)
    assert report.income_sufficient
    assert report.reasons == ("solvency.retirement_before_lease_end",)
    with_guarantor = assess(
        household,
        INSTALMENT,
        PARAMS_2026,
        retires_before_end=True,
        guarantors=(GuarantorIncome("employer", Decimal(50_000)),),
    )
    assert not with_guarantor.needs_guarantor
