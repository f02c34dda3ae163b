"""The body of every service's `migrations/env.py`: online and offline runs against one metadata."""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData

from common.db import make_engine

__all__ = ["run_migrations"]


def run_migrations(metadata: MetaData) -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("sqlalchemy.url is not configured")
    options = {"target_metadata": metadata, "render_as_batch": url.startswith("sqlite"), "compare_type": True}
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
