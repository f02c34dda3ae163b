"""Alembic environment of the videoconf service."""

import videoconf.models  # noqa: F401  (registers the tables)
from common.alembic_env import run_migrations
from videoconf.db import metadata

run_migrations(metadata)
