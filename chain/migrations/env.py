"""Alembic environment of the chain service."""

import chain.models  # noqa: F401  (registers the tables)
from chain.db import metadata
from common.alembic_env import run_migrations

run_migrations(metadata)
