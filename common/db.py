"""Database helpers: one engine per service, SQLite (embedded) or PostgreSQL (distributed).

Each service declares its own SQLModel registry (`class Base(SQLModel, registry=registry())`)
so its tables live in its own metadata and its own database: no cross-service foreign keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

__all__ = ["is_sqlite", "make_engine", "serialise", "session_scope"]


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """An engine tuned for the backend: SQLite in WAL mode with a busy timeout; PostgreSQL via psycopg 3."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if is_sqlite(url):
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # SQLite's own BEGIN is deferred; we issue BEGIN ourselves so writers can ask for IMMEDIATE.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(parsed, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let SQLAlchemy's begin event control transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: WAL is synced at every commit, so what a caller was told is saved survives a power cut
    # (NORMAL only survives a process crash). Group commit keeps the chain's cost to one sync a batch.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def session_scope(engine: Engine, *, immediate: bool = False) -> Iterator[Session]:
    """One transaction: commit on success, roll back on error.

    `immediate=True` takes SQLite's write lock at BEGIN, so read-then-write use cases serialise
    instead of failing with "database is locked" at their first write.
    """
    bind: Any = engine
    if immediate and engine.dialect.name == "sqlite":
        bind = engine.execution_options(sqlite_begin="IMMEDIATE")
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def serialise(session: Session, name: str) -> None:
    """Hold a database-wide lock named `name` until the transaction ends.

    Several API workers starting at once (distributed mode) would otherwise race to seed or set
    up the same rows. PostgreSQL: a transaction-level advisory lock; SQLite: the write lock that a
    `session_scope(..., immediate=True)` transaction already holds.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
