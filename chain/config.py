"""Settings of the chain service (environment prefix `CHAIN_`)."""

from __future__ import annotations

from functools import cache

from pydantic import Field, model_validator

from common.service_keys import ServiceKey, load_service_key
from common.settings import ServiceSettings, service_config

__all__ = ["ChainSettings", "get_service_key", "get_settings"]


class ChainSettings(ServiceSettings):
    model_config = service_config("CHAIN_")

    service_name: str = "chain"
    # The log's identity: checkpoint origin and the name of its signed-note key.
    origin: str = "rto-pilot.kz/chain"
    log_key: str | None = None  # signed-note signer key (PRIVATE+KEY+...); derived in development
    # Witnesses mounted in this process under /witness/{name}/ (each with its own key and state).
    embedded_witnesses: list[str] = Field(
        default_factory=lambda: ["housing-company", "registrar", "credit-bureau"]
    )
    # Further witnesses run elsewhere: "<vkey> <base URL of its add-checkpoint prefix>".
    external_witnesses: list[str] = Field(default_factory=list)
    quorum: int = 2  # cosignatures a checkpoint needs before it is published
    publish_interval_s: float = 0.5  # the publisher runs at least this often while entries arrive
    run_publisher: bool = True  # embedded mode: publish checkpoints from a thread in this process
    witness_timeout_s: float = 2.0
    # Group commit: the sequencer writes up to max_batch queued appends per transaction and
    # answers 503 + Retry-After once max_pending appends wait.
    max_batch: int = 2000
    max_pending: int = 20000
    append_timeout_s: float = 15.0

    @model_validator(mode="after")
    def _production_needs_a_log_key(self) -> ChainSettings:
        if self.environment == "production" and not self.log_key:
            raise ValueError("chain: CHAIN_LOG_KEY must be set in production")
        return self


@cache
def get_settings() -> ChainSettings:
    return ChainSettings()


@cache
def get_service_key() -> ServiceKey:
    settings = get_settings()
    return load_service_key(settings.service_name, settings.service_key_seed)
