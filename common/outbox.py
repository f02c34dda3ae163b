"""Transactional outbox: a message is written in the same transaction as the fact it announces,
and delivered only after that transaction commits — so nothing is lost when the broker or the
receiver is down, and nothing is sent for a rolled-back change.

Delivery is at-least-once with exponential backoff (for 48 hours); receivers deduplicate by the
message id, which is what makes each notice arrive exactly once. A message is claimed with an
atomic conditional UPDATE before delivery, so concurrent relays (several Celery workers, the beat
sweep, the API processes' fallback sweeps) never deliver it at the same moment.

`OutboxRelay` is the wiring every service shares: what a commit that added messages does (wake
the in-process relay, or enqueue a Celery task per message), and the relay thread of its API
process — the only deliverer in embedded mode, a slow fallback sweep in distributed mode so that
progress never depends on the broker or its worker.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Engine, event, or_, select, update
from sqlmodel import Field, Session, SQLModel

from common.db import session_scope

__all__ = [
    "FALLBACK_SWEEP_S",
    "GIVE_UP_AFTER",
    "BackgroundRelay",
    "OutboxDispatcher",
    "OutboxFields",
    "OutboxRelay",
    "PermanentDeliveryError",
    "add_message",
    "after_commit",
    "backoff",
    "on_new_messages",
]

_log = logging.getLogger(__name__)
GIVE_UP_AFTER = timedelta(hours=48)
# Longer than the slowest handler (4 attempts × 10 s timeouts, with backoff: ~45 s).
_CLAIM_FOR = timedelta(seconds=120)
# Distributed mode: how often an API process sweeps, and how long a message must have been due
# before that sweep takes it (until then it is the broker's and its worker's).
FALLBACK_SWEEP_S = 5.0


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

    def _claim(self, message_id: str) -> tuple[OutboxFields, datetime] | None:
        """The message and the claim's expiry, which doubles as the claim's token.

        One conditional UPDATE, so one claimer wins across threads and processes: SQLite's
        BEGIN IMMEDIATE serialises writers; on PostgreSQL (READ COMMITTED) a second UPDATE of the
        row waits for the first to commit, then re-checks the WHERE against the new version,
        whose claimed_until is in the future, and changes nothing."""
        now = _now()
        until = now + _CLAIM_FOR
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
                .values(claimed_until=until)
            ).rowcount
            if not claimed:
                return None
            message = session.get(self.model, message_id)
            return None if message is None else (message, until)

    def deliver(self, message_id: str) -> bool:
        """Try once; True when delivered now. Failures are rescheduled with backoff."""
        claim = self._claim(message_id)
        if claim is None:
            return False
        message, until = claim
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
            stored = session.get(self.model, message_id, with_for_update=True)
            assert stored is not None
            # A handler slower than the claim window may find another deliverer owning the
            # message now: its claim stays, and a failure here neither reschedules nor fails a
            # message that deliverer may be delivering (or has delivered) meanwhile.
            ours = stored.claimed_until is not None and _aware(stored.claimed_until) == until
            if ours:
                stored.claimed_until = None
            if error is None:
                stored.attempts += 1
                stored.delivered_at = stored.delivered_at or now
            elif not ours or stored.delivered_at is not None:
                _log.warning("outbox %s: attempt failed after its claim lapsed: %s", message_id, error)
            else:
                stored.attempts += 1
                stored.last_error = error[:1000]
                if permanent or now - _aware(stored.created_at) > GIVE_UP_AFTER:
                    stored.failed_at = now
                    _log.error("outbox %s (%s) failed for good: %s", message_id, stored.topic, error)
                else:
                    stored.next_attempt_at = now + backoff(stored.attempts)
        return error is None

    def due(self, limit: int = 100, *, overdue_by: timedelta = timedelta(0)) -> list[str]:
        """Messages due (for at least `overdue_by`) and not claimed, the longest due first."""
        table = self.model.__table__  # type: ignore[attr-defined]
        now = _now()
        with Session(self.engine) as session:
            rows = session.execute(
                select(table.c.id)
                .where(
                    table.c.delivered_at.is_(None),
                    table.c.failed_at.is_(None),
                    table.c.next_attempt_at <= now - overdue_by,
                    or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
                )
                .order_by(table.c.next_attempt_at)
                .limit(limit)
            ).scalars()
            return list(rows)

    def relay_once(self, limit: int = 100, *, overdue_by: timedelta = timedelta(0)) -> int:
        return sum(1 for message_id in self.due(limit, overdue_by=overdue_by) if self.deliver(message_id))


class BackgroundRelay:
    """A daemon thread that delivers due messages every `interval_s`, and at once when notified."""

    def __init__(
        self, dispatcher: OutboxDispatcher, interval_s: float = 1.0, *, overdue_by: timedelta = timedelta(0)
    ) -> None:
        self.dispatcher = dispatcher
        self.interval_s = interval_s
        self.overdue_by = overdue_by
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
                self.dispatcher.relay_once(overdue_by=self.overdue_by)
            except Exception:
                _log.exception("outbox relay sweep failed")


class OutboxRelay:
    """How one service's outbox leaves a process: create one per service, hand `notify` (or
    `watch`) to its use cases, and run `start`/`stop` in the API process's lifespan.

    * Embedded mode (no broker): `start` runs a BackgroundRelay every `interval_s`, and `notify`
      wakes it after each commit that added messages.
    * Distributed mode: `notify` hands each new message id to `enqueue` (the service's Celery
      `deliver` task: the fast path), while `start` still runs a BackgroundRelay in the API
      process, every FALLBACK_SWEEP_S, taking only messages due for that long — what a stopped
      broker lost or a stuck worker left (a worker may stay deaf after Redis restarts: celery
      #8030/#8091). The claim keeps the paths from delivering a message twice.

    Celery workers use `notify` too (their handlers may queue messages) but run no relay thread.
    """

    def __init__(
        self,
        model: type[OutboxFields],
        dispatcher: Callable[[], OutboxDispatcher],
        *,
        enqueue: Callable[[str], None],
        distributed: Callable[[], bool],
        interval_s: float = 1.0,
        fallback_interval_s: float = FALLBACK_SWEEP_S,
    ) -> None:
        self.model = model
        self._dispatcher = dispatcher
        self._enqueue = enqueue
        self._distributed = distributed
        self.interval_s = interval_s
        self.fallback_interval_s = fallback_interval_s
        self._lock = threading.Lock()
        self._relay: BackgroundRelay | None = None

    def start(self, *, interval_s: float | None = None) -> None:
        """Start this process's relay thread (once; again after `stop`, as a lifespan may rerun);
        `interval_s` overrides the embedded mode's period."""
        with self._lock:
            if self._relay is not None:
                return
            if self._distributed():
                fallback = self.fallback_interval_s
                relay = BackgroundRelay(
                    self._dispatcher(), interval_s=fallback, overdue_by=timedelta(seconds=fallback)
                )
            else:
                relay = BackgroundRelay(self._dispatcher(), interval_s=interval_s or self.interval_s)
            relay.start()
            self._relay = relay

    def stop(self) -> None:
        with self._lock:
            relay, self._relay = self._relay, None
        if relay is not None:
            relay.stop()

    def notify(self, message_ids: Sequence[str]) -> None:
        """A commit added `message_ids`: enqueue them (distributed) or wake the relay (embedded)."""
        if not self._distributed():
            if self._relay is not None:
                self._relay.notify()
            return
        try:
            for message_id in message_ids:
                self._enqueue(message_id)
        except Exception as exc:  # the broker is down: the fallback sweep delivers them
            _log.warning("outbox %s not enqueued (%s); the sweep will deliver it", list(message_ids), exc)

    def watch(self, session: Session) -> None:
        """Call `notify` after each commit of `session` that added messages of this outbox."""
        on_new_messages(session, self.model, self.notify)
