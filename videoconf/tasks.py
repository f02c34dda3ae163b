"""Celery tasks of the videoconf service (thin: they call the outbox dispatcher)."""

from __future__ import annotations

from common.tasks import make_celery
from videoconf.config import get_settings
from videoconf.outbox import dispatcher

__all__ = ["celery_app", "deliver", "sweep"]

celery_app = make_celery("videoconf", get_settings().redis_url)


@celery_app.task(name="videoconf.deliver")
def deliver(message_id: str) -> None:
    dispatcher().deliver(message_id)


@celery_app.task(name="videoconf.sweep")
def sweep() -> int:
    return dispatcher().relay_once()
