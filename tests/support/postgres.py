"""Throw-away databases on the machine's PostgreSQL (never mocked): created for one test,
dropped after it; the test is skipped where no server answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg
import pytest

__all__ = ["PG_SERVER", "postgres_database", "postgres_databases"]

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"


@contextmanager
def postgres_databases(names: Sequence[str]) -> Iterator[dict[str, str]]:
    """A fresh database for each of `names` (a service, usually): name → URL."""
    try:
        admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    tag = uuid.uuid4().hex[:8]
    databases = {name: f"rto_test_{tag}_{name}" for name in names}
    try:
        for database in databases.values():
            admin.execute(f'CREATE DATABASE "{database}"')
        yield {name: f"{PG_SERVER}/{database}" for name, database in databases.items()}
    finally:
        for database in databases.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


@contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """One fresh database; yields its URL."""
    with postgres_databases([name]) as urls:
        yield urls[name]
