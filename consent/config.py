"""Settings of the consent service (environment prefix `CONSENT_`)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from pydantic import Field, model_validator

from common.parties import HOUSING_COMPANY, PLATFORM_OPERATOR, STATE_CORPORATION
from common.service_keys import ServiceKey, load_service_key
from common.settings import ServiceSettings, service_config, service_url
from consent.domain.notice import Parties, Party

__all__ = ["ConsentSettings", "get_service_key", "get_settings"]


class ConsentSettings(ServiceSettings):
    model_config = service_config("CONSENT_")

    service_name: str = "consent"
    # The parties named in every artefact. Development BINs have valid check digits
    # (common.ids.check_digit) but belong to nobody; production sets the real ones.
    controller_name: str = HOUSING_COMPANY.name_ru
    controller_bin: str = HOUSING_COMPANY.bin
    operator_name: str = PLATFORM_OPERATOR.name_ru
    operator_bin: str = PLATFORM_OPERATOR.bin
    recipient_name: str = STATE_CORPORATION.name_ru
    recipient_bin: str = STATE_CORPORATION.bin
    # Services acting for the parties: they may check and record uses besides the requester.
    recipient_services: list[str] = Field(default_factory=lambda: ["portal", "registry_gateway"])
    # Services allowed to call the API at all (service JWT issuer).
    callers: list[str] = Field(default_factory=lambda: ["portal", "registry_gateway", "pilot"])
    # HMAC secret for subject links and OTP MACs (hex); derived from a public seed in development.
    secret_hex: str | None = None
    link_ttl_days: int = 30
    otp_resend_after_s: int = 30
    pki_dir: Path | None = None  # the mock CA's directory; default <data dir>/pki
    public_url: str | None = None  # base URL subjects open; default the loopback service URL

    @model_validator(mode="after")
    def _refuse_development_secret(self) -> ConsentSettings:
        if self.environment == "production" and not self.secret_hex:
            raise ValueError("consent: CONSENT_SECRET_HEX must be set in production")
        return self

    @property
    def secret(self) -> bytes:
        if self.secret_hex:
            return bytes.fromhex(self.secret_hex)
        return hashlib.sha256(b"rto-dev-consent-secret").digest()

    @property
    def parties(self) -> Parties:
        return Parties(
            controller=Party(self.controller_name, self.controller_bin),
            operator=Party(self.operator_name, self.operator_bin),
            recipient=Party(self.recipient_name, self.recipient_bin),
        )

    @property
    def ca_directory(self) -> Path:
        return self.pki_dir or self.data_dir / "pki"

    @property
    def base_url(self) -> str:
        return (self.public_url or service_url("consent")).rstrip("/")


@cache
def get_settings() -> ConsentSettings:
    return ConsentSettings()


@cache
def get_service_key() -> ServiceKey:
    settings = get_settings()
    return load_service_key(settings.service_name, settings.service_key_seed)
