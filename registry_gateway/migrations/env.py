"""Alembic environment of the registry_gateway service."""

import registry_gateway.models  # noqa: F401  (registers the tables)
from common.alembic_env import run_migrations
from registry_gateway.db import metadata

run_migrations(metadata)
