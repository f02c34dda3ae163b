"""Notices to the credit bureau follow Standard Webhooks: the receiver verifies them with the
`standardwebhooks` package, and one that is down and then returns gets each notice once."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlmodel import update
from standardwebhooks import Webhook

from common.db import session_scope
from registry_gateway.config import DEV_BUREAU_SECRET
from registry_gateway.db import get_engine
from registry_gateway.models import Notice, Outbox
from registry_gateway.notices import deliver_bureau
from registry_gateway.relay import enqueue
from tests.registry_gateway.conftest import World, poll


def _event(case_id: str) -> dict:
    data = {"case_id": case_id, "state": "registered", "cadastral_number": "01:012:045:100:1:1"}
    return {
        "case_id": case_id,
        "event": "registration.registered",
        "subscriber_id": "credit_bureau",
        "type": "registration.registered",
        "timestamp": "2026-03-04T10:00:00.000Z",
        "data": data,
    }


def test_a_receiver_that_is_down_then_returns_gets_each_notice_once(world: World) -> None:
    world.outside.post("/v1/bureau/outage", json={"seconds": 60})
    with session_scope(get_engine()) as session:
        ids = [enqueue(session, "bureau", _event(f"case-{n}")) for n in range(3)]
    world.relay()

    def tried() -> list[Outbox]:
        with session_scope(get_engine()) as session:
            return [session.get(Outbox, i) for i in ids]  # type: ignore[misc]

    pending = poll(tried, lambda rows: all(m.attempts >= 1 and m.claimed_until is None for m in rows))
    assert all(m.delivered_at is None and "500" in (m.last_error or "") for m in pending)
    assert world.outside.get("/v1/bureau/webhooks").json() == []

    world.outside.post("/v1/bureau/outage", json={"seconds": 0})
    with session_scope(get_engine()) as session:  # the backoff has passed
        session.exec(update(Outbox).values(next_attempt_at=datetime.now(UTC)))  # type: ignore[call-overload]
    world.relay()
    world.relay()
    # An acknowledgement lost on the way back: the same message is delivered again.
    deliver_bureau(ids[0], _event("case-0"))

    received = poll(lambda: world.outside.get("/v1/bureau/webhooks").json(), lambda r: len(r) == 3)
    assert sorted(r["webhook_id"] for r in received) == sorted(ids)
    assert {r["webhook_id"]: r["attempts"] for r in received}[ids[0]] == 2
    with session_scope(get_engine()) as session:
        notice = session.get(Notice, ids[1])
        assert notice is not None
        assert notice.sent_at is not None
        assert notice.received_at is not None


def test_the_receiver_accepts_only_valid_signatures(world: World) -> None:
    body = '{"data":{"case_id":"x"},"timestamp":"2026-03-04T10:00:00.000Z","type":"registration.refused"}'
    now = datetime.now(UTC)
    signed = Webhook(DEV_BUREAU_SECRET).sign("msg_1", now, body)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signed,
    }
    # What the gateway sends verifies with the reference package on the receiving side, too.
    assert Webhook(DEV_BUREAU_SECRET).verify(body, headers)["type"] == "registration.refused"

    tampered = world.outside.post(
        "/v1/bureau/webhooks", content=body.replace("refused", "registered"), headers=headers
    )
    assert tampered.status_code == 401
    foreign = Webhook("whsec_" + "A" * 44).sign("msg_1", now, body)
    wrong_key = world.outside.post(
        "/v1/bureau/webhooks", content=body, headers={**headers, "webhook-signature": foreign}
    )
    assert wrong_key.status_code == 401
    malformed = world.outside.post(
        "/v1/bureau/webhooks", content=body, headers={**headers, "webhook-signature": "v1"}
    )
    assert malformed.status_code == 401
    assert httpx.codes.is_success(
        world.outside.post("/v1/bureau/webhooks", content=body, headers=headers).status_code
    )
