"""The outbox of the gateway: messages are written in the use case's transaction and delivered
after commit (`common.outbox.OutboxRelay`) — by Celery workers when a broker is configured, with
the API process's fallback sweep behind them, else by the in-process relay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from common.outbox import OutboxDispatcher, OutboxRelay, add_message, after_commit
from registry_gateway.config import get_settings
from registry_gateway.db import get_engine
from registry_gateway.models import Outbox

__all__ = ["dispatcher", "enqueue", "relay", "start_relay", "stop_relay"]


def dispatcher() -> OutboxDispatcher:
    from registry_gateway.notices import HANDLERS  # the handlers use this module's enqueue

    return OutboxDispatcher(get_engine(), Outbox, HANDLERS)


def _deliver_later(message_id: str) -> None:
    from registry_gateway.tasks import deliver  # the tasks module imports this one

    deliver.delay(message_id)


relay = OutboxRelay(
    Outbox, dispatcher, enqueue=_deliver_later, distributed=lambda: get_settings().distributed
)


def enqueue(
    session: Session, topic: str, payload: Mapping[str, Any], *, message_id: str | None = None
) -> str:
    message = add_message(session, Outbox, topic, payload, message_id=message_id)
    message_id = message.id
    after_commit(session, lambda: relay.notify([message_id]))
    return message_id


def start_relay() -> None:
    relay.start(interval_s=get_settings().relay_interval_s)


def stop_relay() -> None:
    relay.stop()
