"""Outbox handlers: what each queued message does once its transaction has committed.

* `chain.append` — the consent.granted / consent.revoked entry (hashes only), index stored back;
* `requester.callback` — the status change to `<requester>/v1/callbacks/consent`;
* `sms` — the one-time code to the SMS stand-in (`<outside>/v1/sms`).

A handler raises to be retried with backoff, or PermanentDeliveryError to stop. `enqueue_delivery`
is the distributed fast path that `common.outbox.OutboxRelay` calls after commit (see main.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from chain.client import ChainClient
from common.http_client import ServiceClient, ServiceError, ServiceUnavailable
from common.outbox import OutboxDispatcher, PermanentDeliveryError
from common.service_keys import ServiceKey
from common.settings import service_url
from consent.models import Outbox
from consent.service import TOPIC_CALLBACK, TOPIC_CHAIN, TOPIC_SMS, ConsentService

__all__ = ["enqueue_delivery", "make_dispatcher"]

_log = logging.getLogger(__name__)
Handler = Callable[[str, dict[str, Any]], None]


class _Receiver(ServiceClient):
    """A service we notify; the outbox retries, so one attempt per delivery."""

    def __init__(self, service: str, base_url: str, key: ServiceKey) -> None:
        self.audience = service
        super().__init__(base_url, caller_key=key, attempts=1)


def _permanent_unless_transient(exc: ServiceError, what: str) -> None:
    if isinstance(exc, ServiceUnavailable) or exc.status in {408, 425, 429}:
        raise exc
    _log.warning("%s refused with %s %s", what, exc.status, exc.code)
    raise PermanentDeliveryError(f"{what}: {exc}") from exc


def _chain_handler(service: ConsentService, key: ServiceKey) -> Handler:
    chain = ChainClient(service_url("chain"), caller_key=key, attempts=1)

    def handle(_message_id: str, payload: dict[str, Any]) -> None:
        result = chain.append_payload(payload)
        service.store_chain_index(payload["consent_id"], payload["store_index_in"], result.index)

    return handle


def _callback_handler(key: ServiceKey) -> Handler:
    def handle(message_id: str, payload: dict[str, Any]) -> None:
        receiver = payload["receiver"]
        with _Receiver(receiver, service_url(receiver), key) as client:
            try:
                client.request(
                    "POST",
                    "/v1/callbacks/consent",
                    json=payload["body"],
                    headers={"Idempotency-Key": message_id},
                )
            except ServiceError as exc:
                # A receiver without the endpoint yet answers 404: logged, then given up.
                _permanent_unless_transient(exc, f"callback to {receiver}")

    return handle


def _sms_handler(key: ServiceKey) -> Handler:
    client = _Receiver("outside", service_url("outside"), key)

    def handle(message_id: str, payload: dict[str, Any]) -> None:
        # The SMS centre takes each `ref` once: the message id, so a code sent again for the same
        # consent is a new SMS, while a retry of this one is not.
        sms = {"to": payload["to"], "text": payload["text"], "ref": message_id}
        try:
            client.request("POST", "/v1/sms", json=sms, headers={"Idempotency-Key": message_id})
        except ServiceError as exc:
            consent_id = payload.get("consent_id") or payload.get("ref")  # "ref": an older message
            _permanent_unless_transient(exc, f"SMS for consent {consent_id}")

    return handle


def enqueue_delivery(message_id: str) -> None:
    from consent.tasks import deliver  # the tasks module imports this one

    deliver.delay(message_id)


def make_dispatcher(service: ConsentService, key: ServiceKey) -> OutboxDispatcher:
    handlers = {
        TOPIC_CHAIN: _chain_handler(service, key),
        TOPIC_CALLBACK: _callback_handler(key),
        TOPIC_SMS: _sms_handler(key),
    }
    return OutboxDispatcher(service.engine, Outbox, handlers)
