"""Outbox handlers: chain appends, the applicant's e-gov cabinet and SMS, the portal's status
callback and the credit bureau's Standard Webhooks. Each runs after the fact committed, may
run again after a failure, and is safe to repeat: receivers deduplicate by the message id."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlmodel import Session
from standardwebhooks import Webhook

from chain.client import ChainClient
from common.canonical import canonical_bytes
from common.db import session_scope
from common.http_client import ServiceClient, ServiceError, ServiceUnavailable, shared_http
from common.outbox import PermanentDeliveryError
from common.settings import service_url
from registry_gateway.config import get_service_key
from registry_gateway.db import get_engine
from registry_gateway.models import Case, Notice, WebhookSubscriber
from registry_gateway.outside import OutsideClient

__all__ = ["HANDLERS", "webhook_body"]

_log = logging.getLogger(__name__)
_WEBHOOK_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def _now() -> datetime:
    return datetime.now(UTC)


def _record_notice(
    message_id: str, payload: dict[str, Any], channel: str, recipient: str, **dates: Any
) -> None:
    with session_scope(get_engine()) as session:
        notice = session.get(Notice, message_id) or Notice(
            id=message_id,
            case_id=payload["case_id"],
            channel=channel,
            recipient=recipient,
            event=payload["event"],
        )
        notice.sent_at = dates.get("sent_at")
        notice.received_at = dates.get("received_at")
        notice.receipt_ref = dates.get("receipt_ref")
        session.add(notice)


def _parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def deliver_chain(message_id: str, payload: dict[str, Any]) -> None:
    ref = dict(payload["ref"])
    lease_case = payload.get("encumbrance_case")
    if lease_case:
        with Session(get_engine()) as session:
            lease = session.get(Case, lease_case)
            index = (lease.chain if lease else {}).get("encumbrance.registered")
        if index is None:  # the lease's own append has not landed yet: try again later
            raise RuntimeError(f"case {lease_case} has no encumbrance.registered entry yet")
        ref["encumbrance_index"] = str(index)
    with ChainClient(service_url("chain"), caller_key=get_service_key()) as chain:
        result = chain.append_payload({**payload, "ref": ref})
    # Several deliverers (workers, sweeps) may write back entries of one case at once: read the
    # case under its row lock (SQLite: the write lock taken at BEGIN), or one index is lost.
    with session_scope(get_engine(), immediate=True) as session:
        case = session.get(Case, payload["case_id"], with_for_update=True)
        if case is not None:
            case.chain = {**case.chain, payload["kind"]: result.index}
            session.add(case)


def deliver_egov(message_id: str, payload: dict[str, Any]) -> None:
    sent_at = _now()
    with OutsideClient(service_url("outside")) as outside:
        receipt = outside.egov_message(
            payload["iin"], payload["subject"], payload["body"], message_id, sent_at
        )
    recipient = payload["iin"][:6] + "******"
    _record_notice(
        message_id,
        payload,
        "egov",
        recipient,
        sent_at=sent_at,
        received_at=_parse_time(receipt.get("received_at")),
        receipt_ref=receipt.get("id"),
    )


def deliver_sms(message_id: str, payload: dict[str, Any]) -> None:
    sent_at = _now()
    with OutsideClient(service_url("outside")) as outside:
        receipt = outside.sms(payload["to"], payload["text"], message_id, sent_at)
    _record_notice(
        message_id,
        payload,
        "sms",
        payload["to"][:-4] + "****",
        sent_at=sent_at,
        received_at=_parse_time(receipt.get("received_at")),
        receipt_ref=receipt.get("id"),
    )


class _PortalCallbacks(ServiceClient):
    audience = "portal"


def deliver_portal(message_id: str, payload: dict[str, Any]) -> None:
    sent_at = _now()
    with _PortalCallbacks(service_url("portal"), caller_key=get_service_key(), attempts=1) as portal:
        try:
            portal.post_json("/v1/callbacks/registration", payload, idempotency_key=message_id)
        except ServiceUnavailable:
            raise
        except ServiceError as exc:
            if exc.status != 404:
                raise PermanentDeliveryError(f"portal refused the callback: {exc.code}") from exc
            # The portal does not take callbacks yet; it can still poll the case status.
            _log.info("portal has no registration callback endpoint; notice %s dropped", message_id)
    _record_notice(message_id, payload, "portal", payload["portal_ref"], sent_at=sent_at, received_at=_now())


def webhook_body(payload: dict[str, Any]) -> str:
    """The exact body of a webhook: the same bytes on every attempt (signatures cover them)."""
    body = {"type": payload["type"], "timestamp": payload["timestamp"], "data": payload["data"]}
    return canonical_bytes(body).decode()


def deliver_bureau(message_id: str, payload: dict[str, Any]) -> None:
    with Session(get_engine()) as session:
        subscriber = session.get(WebhookSubscriber, payload["subscriber_id"])
        if subscriber is None or not subscriber.active:
            raise PermanentDeliveryError(f"subscriber {payload['subscriber_id']} is gone or disabled")
        url, secret = subscriber.url, subscriber.secret
    body = webhook_body(payload)
    sent_at = _now()
    headers = {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
        "content-type": "application/json",
    }
    response = shared_http().post(url, content=body.encode(), headers=headers, timeout=_WEBHOOK_TIMEOUT)
    if response.status_code == 410:  # Standard Webhooks: the endpoint asks to be disabled
        with session_scope(get_engine()) as session:
            stored = session.get(WebhookSubscriber, payload["subscriber_id"])
            if stored is not None:
                stored.active = False
                session.add(stored)
        raise PermanentDeliveryError(f"subscriber {payload['subscriber_id']} answered 410 Gone: disabled")
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"webhook answered {response.status_code}")
    received_at = None
    if response.headers.get("content-type", "").startswith("application/json"):
        received_at = _parse_time(json.loads(response.content or b"{}").get("received_at"))
    _record_notice(
        message_id,
        payload,
        "bureau",
        payload["subscriber_id"],
        sent_at=sent_at,
        received_at=received_at or _now(),
    )


HANDLERS: dict[str, Callable[[str, dict[str, Any]], None]] = {
    "chain": deliver_chain,
    "egov": deliver_egov,
    "sms": deliver_sms,
    "portal": deliver_portal,
    "bureau": deliver_bureau,
}
