from datetime import date
from decimal import Decimal

from portal.domain.retirement import (
    GuarantorKind,
    Residency,
    guarantor_ineligibility,
    retired_by,
    retirement_age,
)


def test_retirement_age_table():
    assert retirement_age("M", date(2026, 5, 1)) == 63
    assert retirement_age("F", date(2027, 12, 31)) == 61
    assert retirement_age("F", date(2028, 1, 1)) == Decimal("61.5")
    assert retirement_age("F", date(2030, 6, 1)) == Decimal("62.5")
    assert retirement_age("F", date(2031, 1, 1)) == 63


def test_retired_by_counts_half_years():
    born = date(1967, 3, 10)
    assert not retired_by(born, "F", date(2028, 9, 9))  # 61 y 5 m < 61.5 in 2028
    assert retired_by(born, "F", date(2028, 9, 10))  # 61 y 6 m
    assert not retired_by(born, "M", date(2030, 3, 9))
    assert retired_by(born, "M", date(2030, 3, 10))


def _check(birth: date, sex: str = "M", residency: Residency = Residency.CITIZEN) -> list[str]:
    reasons = guarantor_ineligibility(
        kind=GuarantorKind.INDIVIDUAL,
        birth=birth,
        sex=sex,
        residency=residency,
        today=date(2026, 6, 1),
        lease_end=date(2046, 6, 1),
    )
    return [code for code, _ in reasons]


def test_guarantor_rules():
    assert _check(date(1990, 1, 1)) == []
    assert _check(date(2006, 1, 1)) == ["guarantor.too_young"]
    assert _check(date(1975, 1, 1)) == ["guarantor.retired_before_lease_end"]
    assert _check(date(1990, 1, 1), residency=Residency.RESIDENCE_PERMIT) == []
    assert _check(date(1990, 1, 1), residency=Residency.OTHER) == ["guarantor.residency"]


def test_employers_and_entrepreneurs_have_no_age_rule():
    for kind in (GuarantorKind.EMPLOYER, GuarantorKind.ENTREPRENEUR):
        assert (
            guarantor_ineligibility(
                kind=kind,
                birth=None,
                sex=None,
                residency=None,
                today=date(2026, 1, 1),
                lease_end=date(2046, 1, 1),
            )
            == []
        )
