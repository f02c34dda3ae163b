"""Celery factory: over Redis when REDIS_URL is set, otherwise tasks run in-process (eager),
so a fresh machine needs no broker."""

from __future__ import annotations

from celery import Celery

__all__ = ["make_celery"]


def make_celery(service: str, redis_url: str | None) -> Celery:
    app = Celery(service)
    if redis_url:
        app.conf.update(
            broker_url=redis_url,
            result_backend=None,
            task_ignore_result=True,
            task_acks_late=True,  # a worker killed mid-task leaves the message for another
            task_reject_on_worker_lost=True,
            worker_prefetch_multiplier=1,
            task_default_queue=service,
            broker_connection_retry_on_startup=True,
            broker_transport_options={"visibility_timeout": 3600},
        )
    else:
        app.conf.update(task_always_eager=True, task_eager_propagates=True, task_ignore_result=True)
    return app
