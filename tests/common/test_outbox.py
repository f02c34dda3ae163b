"""The outbox delivers each committed message exactly once to an idempotent receiver, retries a
receiver that is down, never sends for a rolled-back transaction, and gives up on a permanent
refusal; with a broker, the API process's fallback sweep delivers what the broker never did."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import registry
from sqlmodel import SQLModel, select

from common.db import make_engine, session_scope
from common.outbox import (
    BackgroundRelay,
    OutboxDispatcher,
    OutboxFields,
    OutboxRelay,
    PermanentDeliveryError,
    add_message,
    after_commit,
    on_new_messages,
)
from tests.support.postgres import postgres_databases


class _Base(SQLModel, registry=registry()):
    pass


class Outbox(OutboxFields, _Base, table=True):
    __tablename__ = "outbox"


@pytest.fixture
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    _Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _due_now(engine: Any) -> None:
    """Skip the backoff wait instead of sleeping through it."""
    with session_scope(engine) as session:
        for message in session.exec(select(Outbox)).all():
            message.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)


def test_rolled_back_transaction_sends_nothing(engine: Any) -> None:
    sent: list[str] = []

    def failing_use_case() -> None:
        with session_scope(engine) as session:
            add_message(session, Outbox, "notice", {"n": 1})
            after_commit(session, lambda: sent.append("hook"))
            raise RuntimeError("use case failed")

    with pytest.raises(RuntimeError):
        failing_use_case()
    dispatcher = OutboxDispatcher(engine, Outbox, {"notice": lambda _id, _p: sent.append("delivered")})
    assert dispatcher.relay_once() == 0
    assert sent == []


def test_receiver_down_then_back_gets_each_message_once(engine: Any) -> None:
    received: dict[str, int] = {}
    receiver_up = False

    def deliver(message_id: str, payload: dict[str, Any]) -> None:
        if not receiver_up:
            raise ConnectionError("receiver down")
        received[message_id] = received.get(message_id, 0) + 1

    with session_scope(engine) as session:
        ids = [add_message(session, Outbox, "notice", {"n": n}).id for n in range(5)]
    dispatcher = OutboxDispatcher(engine, Outbox, {"notice": deliver})
    assert dispatcher.relay_once() == 0
    _due_now(engine)
    assert dispatcher.relay_once() == 0
    receiver_up = True
    assert dispatcher.relay_once() == 0, "backoff holds messages until they are due"
    _due_now(engine)
    assert dispatcher.relay_once() == 5
    _due_now(engine)
    assert dispatcher.relay_once() == 0
    assert received == dict.fromkeys(ids, 1)
    with session_scope(engine) as session:
        attempts = {m.id: m.attempts for m in session.exec(select(Outbox)).all()}
    assert set(attempts.values()) == {3}


def test_concurrent_relays_never_deliver_one_message_twice(engine: Any) -> None:
    _concurrent_relays_deliver_each_once([engine, engine])


def test_permanent_refusal_stops_retries(engine: Any) -> None:
    def refuse(_id: str, _payload: dict[str, Any]) -> None:
        raise PermanentDeliveryError("410 gone")

    with session_scope(engine) as session:
        message_id = add_message(session, Outbox, "notice", {}).id
    dispatcher = OutboxDispatcher(engine, Outbox, {"notice": refuse})
    assert not dispatcher.deliver(message_id)
    _due_now(engine)
    assert dispatcher.due() == []
    with session_scope(engine) as session:
        stored = session.get(Outbox, message_id)
        assert stored is not None
        assert stored.failed_at is not None
        assert stored.last_error == "410 gone"


def test_a_handler_outliving_its_claim_leaves_the_new_deliverer_in_charge(engine: Any) -> None:
    """A handler stuck past the claim window: another deliverer claims and delivers meanwhile,
    and the stuck attempt's late refusal must not mark the delivered message failed."""
    with session_scope(engine) as session:
        message_id = add_message(session, Outbox, "notice", {}).id
    received: list[str] = []
    other = OutboxDispatcher(engine, Outbox, {"notice": lambda id_, _p: received.append(id_)})

    def stuck_then_refused(id_: str, _payload: dict[str, Any]) -> None:
        with session_scope(engine) as session:  # the claim window passes while this one hangs
            stored = session.get(Outbox, id_)
            assert stored is not None
            stored.claimed_until = datetime.now(UTC) - timedelta(seconds=1)
        assert other.deliver(id_), "a lapsed claim can be taken over"
        raise PermanentDeliveryError("410 gone")

    assert not OutboxDispatcher(engine, Outbox, {"notice": stuck_then_refused}).deliver(message_id)
    assert received == [message_id]
    with session_scope(engine) as session:
        stored = session.get(Outbox, message_id)
        assert stored is not None
        assert stored.delivered_at is not None
        assert stored.failed_at is None
        assert stored.last_error is None
        assert stored.attempts == 1


def test_background_relay_delivers_after_commit(engine: Any) -> None:
    delivered = threading.Event()
    dispatcher = OutboxDispatcher(engine, Outbox, {"notice": lambda _id, _p: delivered.set()})
    relay = BackgroundRelay(dispatcher, interval_s=30)
    relay.start()
    try:
        with session_scope(engine) as session:
            add_message(session, Outbox, "notice", {})
            after_commit(session, relay.notify)
        assert delivered.wait(5), "notify wakes the relay long before its 30 s sweep"
    finally:
        relay.stop()


def test_new_message_ids_are_handed_over_after_commit_only(engine: Any) -> None:
    """What distributed mode enqueues one task per id from: exactly the messages a commit added."""
    handed: list[list[str]] = []
    with session_scope(engine) as session:
        on_new_messages(session, Outbox, handed.append)
        first = add_message(session, Outbox, "notice", {"n": 1})
        session.flush()  # flushed early still counts
        second = add_message(session, Outbox, "notice", {"n": 2})
        assert handed == []
    assert handed == [[first.id, second.id]]

    def failing_use_case() -> None:
        with session_scope(engine) as session:
            on_new_messages(session, Outbox, handed.append)
            add_message(session, Outbox, "notice", {"n": 3})
            raise RuntimeError("use case failed")

    with pytest.raises(RuntimeError):
        failing_use_case()
    assert handed == [[first.id, second.id]]  # nothing for the rolled-back one
    with session_scope(engine) as session:
        on_new_messages(session, Outbox, handed.append)
        third = add_message(session, Outbox, "notice", {"n": 4})
        stored = session.get(Outbox, first.id)
        assert stored is not None
        stored.attempts = 1  # changing a message is not adding one
    assert handed == [[first.id, second.id], [third.id]]


def _concurrent_relays_deliver_each_once(engines: list[Any]) -> None:
    received: list[str] = []
    lock = threading.Lock()

    def deliver(message_id: str, _payload: dict[str, Any]) -> None:
        time.sleep(0.001)  # widen the window between claim and delivery
        with lock:
            received.append(message_id)

    with session_scope(engines[0]) as session:
        ids = [add_message(session, Outbox, "notice", {"n": n}).id for n in range(60)]
    dispatchers = [OutboxDispatcher(engine, Outbox, {"notice": deliver}) for engine in engines]
    threads = [threading.Thread(target=d.relay_once) for d in dispatchers for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(received) == sorted(ids), "each message delivered, none twice"


@pytest.mark.postgres
def test_claims_hold_across_processes_on_postgres() -> None:
    """Engines of their own (as the API processes and workers have) racing on PostgreSQL."""
    with postgres_databases(["outbox"]) as urls:
        engines = [make_engine(urls["outbox"]) for _ in range(3)]
        try:
            _Base.metadata.create_all(engines[0])
            _concurrent_relays_deliver_each_once(engines)
        finally:
            for engine in engines:
                engine.dispose()


def _relay(
    engine: Any, delivered: list[str], enqueued: list[str], *, distributed: bool, broker_up: bool = True
) -> OutboxRelay:
    def enqueue(message_id: str) -> None:
        if not broker_up:
            raise ConnectionError("broker down")
        enqueued.append(message_id)

    dispatcher = OutboxDispatcher(engine, Outbox, {"notice": lambda id_, _p: delivered.append(id_)})
    return OutboxRelay(
        Outbox,
        lambda: dispatcher,
        enqueue=enqueue,
        distributed=lambda: distributed,
        interval_s=30,
        fallback_interval_s=0.3,
    )


def test_embedded_relay_is_woken_by_the_commit(engine: Any) -> None:
    delivered: list[str] = []
    relay = _relay(engine, delivered, [], distributed=False)
    relay.start()
    try:
        with session_scope(engine) as session:
            relay.watch(session)
            message = add_message(session, Outbox, "notice", {})
        deadline = time.monotonic() + 5
        while not delivered and time.monotonic() < deadline:
            time.sleep(0.02)
        assert delivered == [message.id], "woken long before its 30 s sweep"
    finally:
        relay.stop()


def test_distributed_relay_enqueues_and_its_fallback_sweep_delivers_what_the_broker_lost(
    engine: Any,
) -> None:
    delivered: list[str] = []
    enqueued: list[str] = []
    relay = _relay(engine, delivered, enqueued, distributed=True)
    with session_scope(engine) as session:
        relay.watch(session)
        first = add_message(session, Outbox, "notice", {})
    assert enqueued == [first.id], "the fast path: one task per new message"

    broker_down = _relay(engine, delivered, enqueued, distributed=True, broker_up=False)
    with session_scope(engine) as session:
        broker_down.watch(session)  # the commit goes through although enqueueing fails
        second = add_message(session, Outbox, "notice", {})
    assert enqueued == [first.id]

    sweep = OutboxDispatcher(engine, Outbox, {})
    assert sweep.due(overdue_by=timedelta(seconds=5)) == [], "fresh messages are the worker's"
    assert sorted(sweep.due()) == sorted([first.id, second.id])
    relay.start()
    try:
        deadline = time.monotonic() + 5
        while len(delivered) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.7)  # two more sweeps: nothing again
    finally:
        relay.stop()
    assert sorted(delivered) == sorted([first.id, second.id])
