"""Celery tasks of the portal service (thin: they call the outbox dispatcher).

Distributed mode (`REDIS_URL` set): `deliver` is enqueued after each commit for the messages it
added (`portal.service.base.transaction`), and `sweep` (Celery beat, every 5 s) retries whatever
is due; each API process sweeps too, as a fallback when the broker or this worker is stuck.
Embedded mode uses the API's relay thread alone (`portal.service.relay`).
"""

from __future__ import annotations

from functools import cache

from common.outbox import OutboxDispatcher
from common.tasks import make_celery
from portal.config import get_settings

__all__ = ["celery_app", "deliver", "sweep"]

celery_app = make_celery("portal", get_settings().redis_url)
celery_app.conf.beat_schedule = {"portal-outbox-sweep": {"task": "portal.sweep", "schedule": 5.0}}


@cache
def _dispatcher() -> OutboxDispatcher:
    from portal.service.relay import dispatcher

    return dispatcher()


@celery_app.task(name="portal.deliver", ignore_result=True)
def deliver(message_id: str) -> None:
    _dispatcher().deliver(message_id)


@celery_app.task(name="portal.sweep", ignore_result=True)
def sweep() -> None:
    _dispatcher().relay_once()
