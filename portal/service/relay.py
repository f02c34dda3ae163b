"""Delivery of the portal's outbox: SMS to the outside stand-in and chain appends, whose index
is written back to the lease or signed document it records.

After commit (`common.outbox.OutboxRelay`, watched by `portal.service.base.transaction`):
embedded mode wakes the relay thread; distributed mode enqueues `portal.deliver` per message,
with the API process's fallback sweep behind it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chain.client import ChainClient
from common.db import session_scope
from common.http_client import shared_http
from common.outbox import OutboxDispatcher, OutboxRelay, PermanentDeliveryError
from common.settings import service_url
from portal.config import get_service_key, get_settings
from portal.db import get_engine
from portal.models import Lease, Outbox, SignedDocument

__all__ = ["TOPIC_CHAIN", "TOPIC_SMS", "dispatcher", "relay"]

TOPIC_SMS = "sms"
TOPIC_CHAIN = "chain.append"
_TARGETS: dict[str, Any] = {"lease": Lease, "signed_document": SignedDocument}


def _send_sms(message_id: str, payload: dict[str, Any]) -> None:
    response = shared_http().post(
        f"{service_url('outside')}/v1/sms",
        json={
            "to": payload["to"],
            "text": payload["text"],
            "ref": payload.get("ref") or message_id,
            "sent_at": datetime.now(UTC).isoformat(),
        },
        headers={"Idempotency-Key": message_id},
    )
    if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
        raise PermanentDeliveryError(f"SMS refused: {response.status_code} {response.text[:200]}")
    response.raise_for_status()


def _append(_message_id: str, payload: dict[str, Any]) -> None:
    with ChainClient(service_url("chain"), caller_key=get_service_key()) as chain:
        result = chain.append_payload(payload)
    table, row_id = payload["target"]
    with session_scope(get_engine()) as session:
        row = session.get(_TARGETS[table], row_id)
        if row is not None:
            row.chain_index = result.index
            if isinstance(row, Lease):
                row.leaf_hash = result.leaf_hash


def dispatcher() -> OutboxDispatcher:
    return OutboxDispatcher(get_engine(), Outbox, {TOPIC_SMS: _send_sms, TOPIC_CHAIN: _append})


def _deliver_later(message_id: str) -> None:
    from portal.tasks import deliver  # the tasks module imports this one

    deliver.delay(message_id)


relay = OutboxRelay(
    Outbox, dispatcher, enqueue=_deliver_later, distributed=lambda: get_settings().distributed
)
