"""Delivery of the videoconf outbox: the `video.verified` chain append.

Embedded mode runs a background relay thread woken after each commit; distributed mode hands the
message to a Celery worker (and a periodic sweep retries what failed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chain.client import ChainClient
from common.db import session_scope
from common.http_client import ServiceError, ServiceUnavailable
from common.outbox import BackgroundRelay, OutboxDispatcher, PermanentDeliveryError
from common.settings import service_url
from videoconf import repository as repo
from videoconf.config import get_service_key, get_settings
from videoconf.db import get_engine
from videoconf.domain.outcome import MEDIA_TYPE
from videoconf.models import Outbox

__all__ = ["CHAIN_TOPIC", "deliver_chain_entry", "dispatcher", "kick", "start_relay", "stop_relay"]

CHAIN_TOPIC = "chain.video_verified"


def deliver_chain_entry(_message_id: str, payload: dict[str, Any]) -> None:
    """Append `video.verified` (doc = outcome, evidence = CMS and recordings); store its index."""
    evidence = [{"type": "cms", "sha256": payload["cms_sha256"]}]
    evidence += [{"type": "recording", "sha256": digest} for digest in payload["recordings"]]
    with ChainClient(service_url("chain"), caller_key=get_service_key()) as client:
        try:
            result = client.append(
                kind="video.verified",
                ref={"room": payload["room_id"], "case": payload["case_ref"]},
                doc_sha256=payload["doc_sha256"],
                media_type=MEDIA_TYPE,
                evidence=evidence,
                # The same time on every retry keeps the body identical, so the append is idempotent.
                submitted_at=datetime.fromisoformat(payload["submitted_at"]),
            )
        except ServiceUnavailable:
            raise
        except ServiceError as exc:
            if exc.status not in (408, 409, 429):
                raise PermanentDeliveryError(str(exc)) from exc
            raise
    with session_scope(get_engine()) as session:
        outcome = repo.outcome(session, payload["room_id"])
        if outcome is not None:
            outcome.chain_index = result.index


def dispatcher() -> OutboxDispatcher:
    return OutboxDispatcher(get_engine(), Outbox, {CHAIN_TOPIC: deliver_chain_entry})


_relay: BackgroundRelay | None = None


def start_relay() -> None:
    """Embedded mode: deliver from a background thread (it also retries what failed)."""
    global _relay
    stop_relay()
    _relay = BackgroundRelay(dispatcher())
    _relay.start()


def stop_relay() -> None:
    global _relay
    if _relay is not None:
        _relay.stop()
        _relay = None


def kick(message_id: str) -> None:
    """After commit: deliver now (a worker in distributed mode, the relay thread otherwise)."""
    if get_settings().distributed:
        from videoconf.tasks import deliver

        deliver.delay(message_id)
    elif _relay is not None:
        _relay.notify()
