"""Alembic environment of the consent service."""

import consent.models  # noqa: F401  (registers the tables)
from common.alembic_env import run_migrations
from consent.db import metadata

run_migrations(metadata)
