"""Working days in Kazakhstan: Monday–Friday minus public holidays (Labour Code art. 84–85).

A secular holiday that falls on a Saturday or Sunday gives the next working day off; the
religious holidays (Orthodox Christmas on 7 January and the first day of Kurban ait) are not
moved. Kurban ait follows the lunar calendar, so its dates are a maintained table; the
calendar refuses to answer for a year it does not cover rather than silently under-count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

__all__ = [
    "ALMATY",
    "UnknownYear",
    "add_calendar_days",
    "add_working_days",
    "deadline_end_of_day",
    "holidays",
    "is_working_day",
    "local_date",
    "working_days_between",
]

# Kazakhstan has one time zone (UTC+5) since 1 March 2024; deadlines end at local midnight.
ALMATY = ZoneInfo("Asia/Almaty")

# (month, day, name) — moved to the next working day when on a weekend
_SECULAR = (
    (1, 1, "Жаңа жыл / New Year"),
    (1, 2, "Жаңа жыл / New Year"),
    (3, 8, "Халықаралық әйелдер күні / International Women's Day"),
    (3, 21, "Наурыз мейрамы / Nauryz"),
    (3, 22, "Наурыз мейрамы / Nauryz"),
    (3, 23, "Наурыз мейрамы / Nauryz"),
    (5, 1, "Қазақстан халқының бірлігі мерекесі / Unity Day"),
    (5, 7, "Отан қорғаушы күні / Defender of the Fatherland Day"),
    (5, 9, "Жеңіс күні / Victory Day"),
    (7, 6, "Астана күні / Capital Day"),
    (8, 30, "Конституция күні / Constitution Day"),
    (10, 25, "Республика күні / Republic Day"),
    (12, 16, "Тәуелсіздік күні / Independence Day"),
)
_ORTHODOX_CHRISTMAS = (1, 7, "Православиелік Рождество / Orthodox Christmas")

# First day of Kurban ait, set each year by the government on the Spiritual Administration's advice.
_KURBAN_AIT = {
    2025: date(2025, 6, 6),
    2026: date(2026, 5, 27),
    2027: date(2027, 5, 16),
}
COVERED_YEARS = range(min(_KURBAN_AIT), max(_KURBAN_AIT) + 1)


class UnknownYear(LookupError):
    """The holiday table does not cover this year; extend `_KURBAN_AIT` and re-check the law."""


@cache
def holidays(year: int) -> dict[date, str]:
    """Every day off other than ordinary weekends in `year`, with its reason."""
    if year not in COVERED_YEARS:
        raise UnknownYear(
            f"no holiday table for {year}; covered: {COVERED_YEARS.start}-{COVERED_YEARS.stop - 1}"
        )
    days: dict[date, str] = {}
    for month, day, name in (*_SECULAR, _ORTHODOX_CHRISTMAS):
        days[date(year, month, day)] = name
    days[_KURBAN_AIT[year]] = "Құрбан айт / Kurban ait"
    for month, day, name in _SECULAR:
        holiday = date(year, month, day)
        if holiday.weekday() >= 5:
            moved = holiday + timedelta(days=1)
            while moved.weekday() >= 5 or moved in days:
                moved += timedelta(days=1)
            days[moved] = f"{name} (moved from {holiday.isoformat()})"
    return dict(sorted(days.items()))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (start itself is not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    while count:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def add_calendar_days(start: date, count: int) -> date:
    return start + timedelta(days=count)


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]."""
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n)))


def local_date(moment: datetime) -> date:
    """The date in Kazakhstan at `moment`: payment days, document dates, ages and the first day of
    a deadline are Kazakhstan dates — from 19:00 UTC the UTC date is still yesterday's."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every time in the system is timezone-aware UTC")
    return moment.astimezone(ALMATY).date()


def deadline_end_of_day(day: date) -> datetime:
    """The instant a deadline on `day` passes: the end of that day in Kazakhstan, in UTC."""
    local = datetime.combine(day + timedelta(days=1), time.min, tzinfo=ALMATY)
    return local.astimezone(UTC)
