"""The registration deadline (§38, art. 23): one working day after payment is confirmed,
ending at midnight in Kazakhstan; and the alerts raised before and after it passes."""

from __future__ import annotations

from datetime import datetime, timedelta

from common.calendar import add_working_days, deadline_end_of_day, local_date

__all__ = ["ALERT_BEFORE", "alert_level", "registration_deadline"]

ALERT_BEFORE = timedelta(hours=4)


def registration_deadline(payment_confirmed_at: datetime) -> datetime:
    local_day = local_date(payment_confirmed_at)
    return deadline_end_of_day(add_working_days(local_day, 1))


def alert_level(deadline: datetime, now: datetime) -> str | None:
    """`overdue` once passed, `due_soon` within ALERT_BEFORE of it, else None."""
    if now >= deadline:
        return "overdue"
    if deadline - now <= ALERT_BEFORE:
        return "due_soon"
    return None
