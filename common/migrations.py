"""Alembic per service, configured in code: `upgrade(service, url)` applies that service's
`<service>/migrations` scripts to its own database."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config

__all__ = ["alembic_config", "upgrade"]


def alembic_config(service: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files(service) / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("service", service)
    return config


def upgrade(service: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, url), revision)
