"""Delivery of the portal's outbox: SMS to the outside stand-in and chain appends, whose index
is written back to the lease or signed document it records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from common.db import session_scope
from common.http_client import shared_http
from common.outbox import BackgroundRelay, OutboxDispatcher, PermanentDeliveryError
from common.settings import service_url
from portal.db import get_engine
from portal.models import Lease, Outbox, SignedDocument
from portal.service.base import TOPIC_CHAIN, TOPIC_SMS, chain_client

__all__ = ["dispatcher", "start_background_relay"]

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
    with chain_client() as chain:
        result = chain.append(
            kind=payload["kind"],
            ref=payload["ref"],
            doc_sha256=payload["doc_sha256"],
            media_type=payload["media_type"],
            evidence=payload["evidence"],
            submitted_at=datetime.fromisoformat(payload["submitted_at"]),
        )
    table, row_id = payload["target"]
    with session_scope(get_engine()) as session:
        row = session.get(_TARGETS[table], row_id)
        if row is not None:
            row.chain_index = result.index
            if isinstance(row, Lease):
                row.leaf_hash = result.leaf_hash


def dispatcher() -> OutboxDispatcher:
    return OutboxDispatcher(get_engine(), Outbox, {TOPIC_SMS: _send_sms, TOPIC_CHAIN: _append})


def start_background_relay(interval_s: float = 1.0) -> BackgroundRelay:
    relay = BackgroundRelay(dispatcher(), interval_s=interval_s)
    relay.start()
    return relay
