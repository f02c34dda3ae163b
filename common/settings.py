"""Typed settings shared by every service; each service subclasses with its own env prefix.

Development defaults (SQLite under the data directory, keys derived from public seeds) make a
fresh machine work with no configuration, and are refused outright outside development.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["SERVICE_PORTS", "ServiceSettings", "data_dir", "service_url"]

# DESIGN.md §2: one process per service on 127.0.0.1
SERVICE_PORTS = {
    "portal": 8000,
    "consent": 8001,
    "chain": 8002,
    "registry_gateway": 8003,
    "videoconf": 8004,
    "outside": 8005,
}


def data_dir() -> Path:
    """All local state lives under RTO_DATA_DIR (default ./var)."""
    return Path(os.environ.get("RTO_DATA_DIR", "var")).resolve()


def service_url(name: str) -> str:
    """Base URL of a service: RTO_<NAME>_URL, else the loopback default."""
    env = os.environ.get(f"RTO_{name.upper()}_URL")
    return (env or f"http://127.0.0.1:{SERVICE_PORTS[name]}").rstrip("/")


class ServiceSettings(BaseSettings):
    """Settings every service has. Subclasses set `model_config = service_config("CHAIN_")`."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias=AliasChoices("environment", "RTO_ENV")
    )
    database_url: str | None = None
    redis_url: str | None = Field(None, validation_alias=AliasChoices("redis_url", "REDIS_URL"))
    service_key_seed: str | None = None  # hex Ed25519 seed of this service's signing key
    # Embedded mode migrates at start-up; distributed mode runs one-shot migrations instead.
    migrate_on_startup: bool = True

    @model_validator(mode="after")
    def _refuse_development_secrets(self) -> ServiceSettings:
        if self.service_key_seed is not None:
            try:
                if len(bytes.fromhex(self.service_key_seed)) != 32:
                    raise ValueError
            except ValueError:
                raise ValueError(f"{self.service_name}: SERVICE_KEY_SEED must be 64 hex characters") from None
        if self.environment == "production":
            if not self.service_key_seed:
                raise ValueError(f"{self.service_name}: SERVICE_KEY_SEED must be set in production")
            if not self.database_url or self.database_url.startswith("sqlite"):
                raise ValueError(f"{self.service_name}: production needs DATABASE_URL on PostgreSQL")
        return self

    @property
    def data_dir(self) -> Path:
        return data_dir()

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        path = self.data_dir / f"{self.service_name}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def distributed(self) -> bool:
        return bool(self.redis_url)


def service_config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", populate_by_name=True)


__all__ += ["service_config"]
