"""Celery factory: over Redis when REDIS_URL is set, otherwise tasks run in-process (eager),
so a fresh machine needs no broker. The broker is only the fast path of outbox delivery:
the messages themselves are in each service's database."""

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
            # A worker keeps trying to reach a broker that is down however long it takes (the
            # default gives up after 100 tries and the worker exits). Delivery never waits for
            # it: each API process also sweeps its outbox (common.outbox.OutboxRelay).
            broker_connection_retry_on_startup=True,
            broker_connection_max_retries=None,
            # A delivery running when the broker connection drops finishes and records itself in
            # the outbox; cancelling it (Celery 6's default) could send without recording.
            worker_cancel_long_running_tasks_on_connection_loss=False,
            broker_transport_options={"visibility_timeout": 3600},
        )
    else:
        app.conf.update(task_always_eager=True, task_eager_propagates=True, task_ignore_result=True)
    return app
