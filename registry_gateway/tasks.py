"""Celery tasks of the registry_gateway service (thin: they call service functions)."""

from __future__ import annotations

from datetime import UTC, datetime

from common.tasks import make_celery
from registry_gateway.config import get_settings

__all__ = ["celery_app", "deliver", "sweep"]

celery_app = make_celery("registry_gateway", get_settings().redis_url)
celery_app.conf.beat_schedule = {
    "registry-gateway-sweep": {"task": "registry_gateway.sweep", "schedule": 60.0},
}


@celery_app.task(name="registry_gateway.deliver")
def deliver(message_id: str) -> bool:
    from registry_gateway.relay import dispatcher

    return dispatcher().deliver(message_id)


@celery_app.task(name="registry_gateway.sweep")
def sweep() -> int:
    """Deliver whatever is due (retries after backoff) and raise deadline alerts."""
    from registry_gateway.relay import dispatcher
    from registry_gateway.service import raise_deadline_alerts

    raise_deadline_alerts(datetime.now(UTC))
    return dispatcher().relay_once()
