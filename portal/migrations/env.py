"""Alembic environment of the portal service."""

import portal.models  # noqa: F401  (registers the tables)
from common.alembic_env import run_migrations
from portal.db import metadata

run_migrations(metadata)
