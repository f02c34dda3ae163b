"""The outbox delivers each committed message exactly once to an idempotent receiver, retries a
receiver that is down, never sends for a rolled-back transaction, and gives up on a permanent refusal."""

from __future__ import annotations

import threading
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
    PermanentDeliveryError,
    add_message,
    after_commit,
    on_new_messages,
)


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
    received: list[str] = []
    lock = threading.Lock()

    def deliver(message_id: str, _payload: dict[str, Any]) -> None:
        with lock:
            received.append(message_id)

    with session_scope(engine) as session:
        for n in range(40):
            add_message(session, Outbox, "notice", {"n": n})
    dispatchers = [OutboxDispatcher(engine, Outbox, {"notice": deliver}) for _ in range(4)]
    threads = [threading.Thread(target=d.relay_once) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(received) == sorted(set(received))
    assert len(received) == 40


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
