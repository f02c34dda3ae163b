"""§38: registration within one working day of payment confirmation, counted in Kazakhstan's
calendar (holidays, moved days off, the lunar Kurban ait), with alerts before the end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry_gateway.domain.deadline import alert_level, registration_deadline


@pytest.mark.parametrize(
    ("paid_at", "deadline"),
    [
        # Tuesday -> end of Wednesday, Almaty time (UTC+5)
        (datetime(2026, 3, 3, 9, 0, tzinfo=UTC), datetime(2026, 3, 4, 19, 0, tzinfo=UTC)),
        # Friday before Nauryz: 21-23 March plus the days moved from the weekend (24, 25)
        (datetime(2026, 3, 20, 10, 0, tzinfo=UTC), datetime(2026, 3, 26, 19, 0, tzinfo=UTC)),
        # 19:30 UTC on Friday is already Saturday in Almaty: same answer
        (datetime(2026, 3, 20, 19, 30, tzinfo=UTC), datetime(2026, 3, 26, 19, 0, tzinfo=UTC)),
        # New Year's Eve: 1-2 January, then the weekend
        (datetime(2025, 12, 31, 8, 0, tzinfo=UTC), datetime(2026, 1, 5, 19, 0, tzinfo=UTC)),
        # the day before Kurban ait (27 May 2026)
        (datetime(2026, 5, 26, 8, 0, tzinfo=UTC), datetime(2026, 5, 28, 19, 0, tzinfo=UTC)),
    ],
)
def test_the_deadline_is_the_end_of_the_next_working_day(paid_at: datetime, deadline: datetime) -> None:
    assert registration_deadline(paid_at) == deadline


def test_alerts_come_before_and_after_the_deadline() -> None:
    deadline = datetime(2026, 3, 4, 19, 0, tzinfo=UTC)
    assert alert_level(deadline, deadline - timedelta(hours=5)) is None
    assert alert_level(deadline, deadline - timedelta(hours=3)) == "due_soon"
    assert alert_level(deadline, deadline) == "overdue"
