"""Settings of the registry_gateway service (environment prefix `REGISTRY_GATEWAY_`)."""

from __future__ import annotations

import base64
import hashlib
from decimal import Decimal
from functools import cache
from pathlib import Path

from pydantic import Field, model_validator

from common.service_keys import ServiceKey, load_service_key
from common.settings import ServiceSettings, service_config, service_url
from registry_gateway.domain.seed import SEED_PERSONS

__all__ = ["DEV_BUREAU_SECRET", "RegistryGatewaySettings", "get_service_key", "get_settings"]

# A public development secret (the outside stand-in derives the same); refused in production.
DEV_BUREAU_SECRET = "whsec_" + base64.b64encode(hashlib.sha256(b"rto-dev-bureau-webhook").digest()).decode()
_SEED_REGISTRAR = next(p.iin for p in SEED_PERSONS if p.key == "registrar")


class RegistryGatewaySettings(ServiceSettings):
    model_config = service_config("REGISTRY_GATEWAY_")

    service_name: str = "registry_gateway"
    # Registration fee for an apartment: 0.5 MCI (4 325 KZT in 2026); check the Tax Code table.
    fee_due: Decimal = Decimal("2162.50")
    pki_dir: Path | None = None  # the mock national CA; default <data_dir>/pki
    registrar_iins: list[str] = Field(default_factory=lambda: [_SEED_REGISTRAR])
    bureau_webhook_url: str | None = None  # default: the outside stand-in's receiver
    bureau_webhook_secret: str = DEV_BUREAU_SECRET
    payment_public_key: str | None = None  # base64 Ed25519; default: fetched from the gateway
    relay_interval_s: float = 1.0
    portal_callbacks: bool = True
    # Services allowed to call the API (service JWT issuer): the portal for the parties, the
    # operator's tools (`pilot`) for scenarios and the demo. The registrar acts through the pages.
    callers: list[str] = Field(default_factory=lambda: ["portal", "pilot"])

    @model_validator(mode="after")
    def _refuse_dev_webhook_secret(self) -> RegistryGatewaySettings:
        if self.environment == "production" and self.bureau_webhook_secret == DEV_BUREAU_SECRET:
            raise ValueError("registry_gateway: set BUREAU_WEBHOOK_SECRET in production")
        return self

    @property
    def scenario_enabled(self) -> bool:
        return self.environment != "production"

    @property
    def effective_pki_dir(self) -> Path:
        return self.pki_dir or self.data_dir / "pki"

    @property
    def effective_bureau_url(self) -> str:
        return self.bureau_webhook_url or service_url("outside") + "/v1/bureau/webhooks"


@cache
def get_settings() -> RegistryGatewaySettings:
    return RegistryGatewaySettings()


@cache
def get_service_key() -> ServiceKey:
    settings = get_settings()
    return load_service_key(settings.service_name, settings.service_key_seed)
