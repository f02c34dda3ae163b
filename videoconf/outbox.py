"""Delivery of the videoconf outbox: the `video.verified` chain append.

After commit (`common.outbox.OutboxRelay`): embedded mode wakes a background relay thread;
distributed mode hands the message to a Celery worker, with the API process's fallback sweep
behind it."""

from __future__ import annotations

from typing import Any

from chain.client import ChainClient
from common.db import session_scope
from common.outbox import OutboxDispatcher, OutboxRelay
from common.settings import service_url
from videoconf import repository as repo
from videoconf.config import get_service_key, get_settings
from videoconf.db import get_engine
from videoconf.domain.outcome import MEDIA_TYPE
from videoconf.models import Outbox

__all__ = ["CHAIN_TOPIC", "deliver_chain_entry", "dispatcher", "kick", "relay", "start_relay", "stop_relay"]

CHAIN_TOPIC = "chain.video_verified"


def deliver_chain_entry(_message_id: str, payload: dict[str, Any]) -> None:
    """Append `video.verified` (doc = outcome, evidence = CMS and recordings); store its index."""
    evidence = [{"type": "cms", "sha256": payload["cms_sha256"]}]
    evidence += [{"type": "recording", "sha256": digest} for digest in payload["recordings"]]
    entry = {
        "kind": "video.verified",
        "ref": {"room": payload["room_id"], "case": payload["case_ref"]},
        "doc_sha256": payload["doc_sha256"],
        "media_type": MEDIA_TYPE,
        "evidence": evidence,
        # The same time on every retry keeps the body identical, so the append is idempotent.
        "submitted_at": payload["submitted_at"],
    }
    with ChainClient(service_url("chain"), caller_key=get_service_key()) as client:
        result = client.append_payload(entry)
    with session_scope(get_engine()) as session:
        outcome = repo.outcome(session, payload["room_id"])
        if outcome is not None:
            outcome.chain_index = result.index


def dispatcher() -> OutboxDispatcher:
    return OutboxDispatcher(get_engine(), Outbox, {CHAIN_TOPIC: deliver_chain_entry})


def _deliver_later(message_id: str) -> None:
    from videoconf.tasks import deliver  # the tasks module imports this one

    deliver.delay(message_id)


relay = OutboxRelay(
    Outbox, dispatcher, enqueue=_deliver_later, distributed=lambda: get_settings().distributed
)
start_relay = relay.start
stop_relay = relay.stop


def kick(message_id: str) -> None:
    """After commit: deliver now (a worker in distributed mode, the relay thread otherwise)."""
    relay.notify([message_id])
