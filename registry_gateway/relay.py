"""The outbox of the gateway: messages are written in the use case's transaction and delivered
after commit — by Celery workers when a broker is configured, else by an in-process relay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from common.outbox import BackgroundRelay, OutboxDispatcher, add_message, after_commit
from registry_gateway.config import get_settings
from registry_gateway.db import get_engine
from registry_gateway.models import Outbox

__all__ = ["dispatcher", "enqueue", "start_relay", "stop_relay"]

_relay: BackgroundRelay | None = None


def dispatcher() -> OutboxDispatcher:
    from registry_gateway.notices import HANDLERS  # the handlers use this module's enqueue

    return OutboxDispatcher(get_engine(), Outbox, HANDLERS)


def enqueue(
    session: Session, topic: str, payload: Mapping[str, Any], *, message_id: str | None = None
) -> str:
    message = add_message(session, Outbox, topic, payload, message_id=message_id)
    message_id = message.id
    after_commit(session, lambda: _kick(message_id))
    return message_id


def _kick(message_id: str) -> None:
    if get_settings().distributed:
        from registry_gateway.tasks import deliver

        deliver.delay(message_id)
    elif _relay is not None:
        _relay.notify()


def start_relay() -> None:
    global _relay
    if _relay is None and not get_settings().distributed:
        _relay = BackgroundRelay(dispatcher(), interval_s=get_settings().relay_interval_s)
        _relay.start()


def stop_relay() -> None:
    global _relay
    if _relay is not None:
        _relay.stop()
        _relay = None
