"""Transactional outbox: a message is written in the same transaction as the fact it announces,
and delivered only after that transaction commits — so nothing is lost when the broker or the
receiver is down, and nothing is sent for a rolled-back change.

Delivery is at-least-once with exponential backoff (for 48 hours); receivers deduplicate by the
message id, which is what makes each notice arrive exactly once. A message is claimed with an
atomic UPDATE before delivery, so concurrent relays (several Celery workers, or a worker and the
periodic sweep) never deliver it at the same moment.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Engine, event, or_, select, update
from sqlmodel import Field, Session, SQLModel

from common.db import session_scope

__all__ = [
    "GIVE_UP_AFTER",
    "BackgroundRelay",
    "OutboxDispatcher",
    "OutboxFields",
    "PermanentDeliveryError",
    "add_message",
    "after_commit",
    "backoff",
    "on_new_messages",
]

_log = logging.getLogger(__name__)
GIVE_UP_AFTER = timedelta(hours=48)
_CLAIM_FOR = timedelta(seconds=60)


def _now() -> datetime:
    return datetime.now(UTC)


class OutboxFields(SQLModel):
    """Columns of a service's outbox table: `class Outbox(OutboxFields, Base, table=True)`."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True, max_length=64)
    topic: str = Field(index=True, max_length=100)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=_now)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=_now, index=True)
    claimed_until: datetime | None = None
    delivered_at: datetime | None = Field(default=None, index=True)
    failed_at: datetime | None = None
    last_error: str | None = None


class PermanentDeliveryError(Exception):
    """The receiver rejected the message for good (e.g. 4xx): stop retrying it."""


def add_message(
    session: Session,
    model: type[OutboxFields],
    topic: str,
    payload: Mapping[str, Any],
    *,
    message_id: str | None = None,
) -> OutboxFields:
    message = model(topic=topic, payload=dict(payload))
    if message_id:
        message.id = message_id
    session.add(message)
    return message


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction has committed (never on rollback)."""

    def _fire(_session: Any) -> None:
        try:
            callback()
        except Exception:  # the sweep will pick the message up; the commit already happened
            _log.exception("post-commit hook failed")

    event.listen(session, "after_commit", _fire, once=True)


def on_new_messages(
    session: Session, model: type[OutboxFields], callback: Callable[[list[str]], None]
) -> None:
    """After each commit of `session`, call `callback` with the ids of the `model` messages that
    commit added — distributed mode enqueues a delivery task per id, embedded mode wakes its
    relay. Nothing is called for a rolled-back transaction or one that added no message."""
    added: list[str] = []

    def _collect(flushed: Any, _context: Any) -> None:
        # after_flush still sees the pre-flush `new` set: the rows this flush inserted
        added.extend(obj.id for obj in flushed.new if isinstance(obj, model))

    def _fire(_session: Any) -> None:
        ids = list(dict.fromkeys(added))
        added.clear()
        if ids:
            try:
                callback(ids)
            except Exception:  # the periodic sweep delivers them; the commit already happened
                _log.exception("post-commit delivery hook failed")

    event.listen(session, "after_flush", _collect)
    event.listen(session, "after_commit", _fire)
    event.listen(session, "after_rollback", lambda _session: added.clear())


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at 30 min, with jitter so a recovered receiver is not stampeded."""
    base = min(2 ** max(attempts - 1, 0), 1800)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


class OutboxDispatcher:
    """Delivers outbox messages through per-topic handlers `handler(message_id, payload)`."""

    def __init__(
        self,
        engine: Engine,
        model: type[OutboxFields],
        handlers: Mapping[str, Callable[[str, dict[str, Any]], None]],
    ) -> None:
        self.engine = engine
        self.model = model
        self.handlers = handlers

    def _claim(self, message_id: str) -> OutboxFields | None:
        now = _now()
        table = self.model.__table__  # type: ignore[attr-defined]
        with session_scope(self.engine, immediate=True) as session:
            claimed = session.execute(
                update(table)
                .where(
                    table.c.id == message_id,
                    table.c.delivered_at.is_(None),
                    table.c.failed_at.is_(None),
                    or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
                )
                .values(claimed_until=now + _CLAIM_FOR)
            ).rowcount
            if not claimed:
                return None
            return session.get(self.model, message_id)

    def deliver(self, message_id: str) -> bool:
        """Try once; True when delivered now. Failures are rescheduled with backoff."""
        message = self._claim(message_id)
        if message is None:
            return False
        handler = self.handlers.get(message.topic)
        error: str | None = None
        permanent = False
        if handler is None:
            error, permanent = f"no handler for topic {message.topic!r}", True
        else:
            try:
                handler(message.id, message.payload)
            except PermanentDeliveryError as exc:
                error, permanent = str(exc), True
            except Exception as exc:  # any transient failure is retried later
                error = f"{type(exc).__name__}: {exc}"
        now = _now()
        with session_scope(self.engine, immediate=True) as session:
            stored = session.get(self.model, message_id)
            assert stored is not None
            stored.attempts += 1
            stored.claimed_until = None
            if error is None:
                stored.delivered_at = now
            else:
                stored.last_error = error[:1000]
                if permanent or now - _aware(stored.created_at) > GIVE_UP_AFTER:
                    stored.failed_at = now
                    _log.error("outbox %s (%s) failed for good: %s", message_id, stored.topic, error)
                else:
                    stored.next_attempt_at = now + backoff(stored.attempts)
        return error is None

    def due(self, limit: int = 100) -> list[str]:
        table = self.model.__table__  # type: ignore[attr-defined]
        now = _now()
        with Session(self.engine) as session:
            rows = session.execute(
                select(table.c.id)
                .where(
                    table.c.delivered_at.is_(None),
                    table.c.failed_at.is_(None),
                    table.c.next_attempt_at <= now,
                    or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
                )
                .order_by(table.c.next_attempt_at)
                .limit(limit)
            ).scalars()
            return list(rows)

    def relay_once(self, limit: int = 100) -> int:
        return sum(1 for message_id in self.due(limit) if self.deliver(message_id))


class BackgroundRelay:
    """Embedded mode (no broker): a daemon thread that delivers due messages, woken after commits."""

    def __init__(self, dispatcher: OutboxDispatcher, interval_s: float = 1.0) -> None:
        self.dispatcher = dispatcher
        self.interval_s = interval_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def notify(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval_s)
            self._wake.clear()
            try:
                self.dispatcher.relay_once()
            except Exception:
                _log.exception("outbox relay sweep failed")
