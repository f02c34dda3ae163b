"""The portal service's own database: its SQLModel registry, engine and session dependency."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from sqlalchemy.engine import Engine
from sqlalchemy.orm import registry
from sqlmodel import Session, SQLModel

from common.db import make_engine
from portal.config import get_settings

__all__ = ["PortalBase", "get_engine", "get_session", "metadata"]


class PortalBase(SQLModel, registry=registry()):
    """Base of every portal table; its metadata is this service's alone."""


metadata = PortalBase.metadata


@cache
def get_engine() -> Engine:
    return make_engine(get_settings().effective_database_url)


def get_session() -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session
