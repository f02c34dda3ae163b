from datetime import UTC, date, datetime

import pytest

from common.calendar import (
    UnknownYear,
    add_working_days,
    deadline_end_of_day,
    holidays,
    is_working_day,
    local_date,
    working_days_between,
)


def test_holiday_on_sunday_moves_to_monday() -> None:
    # Constitution Day, 30 August 2026, is a Sunday: Monday 31 August is off instead.
    assert date(2026, 8, 30).weekday() == 6
    assert not is_working_day(date(2026, 8, 31))
    assert "moved from 2026-08-30" in holidays(2026)[date(2026, 8, 31)]
    assert is_working_day(date(2026, 9, 1))


def test_nauryz_on_a_weekend_moves_past_the_monday_holiday() -> None:
    # 21-22 March 2026 fall on Sat-Sun and 23 March is itself a holiday: 24 and 25 March are off.
    for day in (21, 22, 23, 24, 25):
        assert not is_working_day(date(2026, 3, day))
    assert is_working_day(date(2026, 3, 26))


def test_kurban_ait_on_a_sunday_is_not_moved() -> None:
    assert date(2027, 5, 16).weekday() == 6
    assert date(2027, 5, 16) in holidays(2027)
    assert is_working_day(date(2027, 5, 17))


def test_orthodox_christmas_is_a_day_off() -> None:
    assert not is_working_day(date(2026, 1, 7))
    assert is_working_day(date(2026, 1, 8))


def test_one_working_day_after_a_friday_payment_skips_the_moved_holiday() -> None:
    # Paid Friday 28 August 2026 → Monday is the moved Constitution Day → deadline Tuesday 1 September
    assert add_working_days(date(2026, 8, 28), 1) == date(2026, 9, 1)
    assert add_working_days(date(2026, 12, 15), 1) == date(2026, 12, 17)
    assert working_days_between(date(2026, 8, 28), date(2026, 9, 1)) == 1


def test_two_working_days_across_new_year() -> None:
    # 31 Dec 2026 (Thu) + 2 working days: 1, 2 (Sat), 3 (Sun) Jan off; 4 Jan moved New Year → 5 and 6 Jan
    assert add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 6)


def test_deadlines_end_at_midnight_in_kazakhstan() -> None:
    assert deadline_end_of_day(date(2026, 9, 1)) == datetime(2026, 9, 1, 19, 0, tzinfo=UTC)


def test_uncovered_year_is_refused() -> None:
    with pytest.raises(UnknownYear):
        is_working_day(date(2031, 6, 2))


def test_the_kazakhstan_date_turns_at_local_midnight_not_utc() -> None:
    assert local_date(datetime(2026, 11, 21, 18, 59, 59, tzinfo=UTC)) == date(2026, 11, 21)
    assert local_date(datetime(2026, 11, 21, 19, 0, tzinfo=UTC)) == date(2026, 11, 22)
    with pytest.raises(ValueError, match="naive"):
        local_date(datetime(2026, 11, 21, 19, 0))
