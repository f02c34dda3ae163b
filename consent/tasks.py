"""Celery tasks of the consent service (thin: they call the outbox dispatcher).

Distributed mode: `deliver` is enqueued after each commit for the new messages, and `sweep`
(Celery beat, every 5 s) retries whatever is due; each API process sweeps too, as a fallback when
the broker or this worker is stuck. Embedded mode uses the API's relay thread alone (see main.py,
`common.outbox.OutboxRelay`), so a fresh machine needs no broker.
"""

from __future__ import annotations

from functools import cache

from common.outbox import OutboxDispatcher
from common.tasks import make_celery
from consent.config import get_service_key, get_settings

__all__ = ["celery_app", "deliver", "sweep"]

celery_app = make_celery("consent", get_settings().redis_url)
celery_app.conf.beat_schedule = {"consent-outbox-sweep": {"task": "consent.sweep", "schedule": 5.0}}


@cache
def _dispatcher() -> OutboxDispatcher:
    from consent.db import get_engine
    from consent.delivery import make_dispatcher
    from consent.service import ConsentService

    # A worker has no app: it builds its own service (its notices go through this same outbox).
    service = ConsentService(get_engine(), get_settings(), lambda _ids: None)
    return make_dispatcher(service, get_service_key())


@celery_app.task(name="consent.deliver", ignore_result=True)
def deliver(message_id: str) -> None:
    _dispatcher().deliver(message_id)


@celery_app.task(name="consent.sweep", ignore_result=True)
def sweep() -> None:
    _dispatcher().relay_once()
