"""Settings of the videoconf service (environment prefix `VIDEOCONF_`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from common.eds import MockCA
from common.service_keys import ServiceKey, load_service_key
from common.settings import ServiceSettings, service_config, service_url

__all__ = ["VideoconfSettings", "get_ca", "get_service_key", "get_settings"]


class VideoconfSettings(ServiceSettings):
    model_config = service_config("VIDEOCONF_")

    service_name: str = "videoconf"
    public_url: str | None = None  # base of join links; default: this service's URL
    join_token_ttl_s: int = 900  # invitations are short-lived; the gateway asks again for a new one
    session_ttl_s: int = 4 * 3600
    challenge_ttl_s: int = 300
    recording_preset: str = "ultrafast"  # x264: ≈ 8 % of a core per stream (default preset ≈ 16 %)
    # Services that may schedule rooms and read outcomes.
    gateway_services: frozenset[str] = frozenset({"registry_gateway"})

    @property
    def join_base_url(self) -> str:
        return (self.public_url or service_url("videoconf")).rstrip("/")

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"


@cache
def get_settings() -> VideoconfSettings:
    return VideoconfSettings()


@cache
def get_service_key() -> ServiceKey:
    settings = get_settings()
    return load_service_key(settings.service_name, settings.service_key_seed)


@cache
def get_ca() -> MockCA:
    """The (mock) national CA: trust roots and revocation data for EDS logins and signatures."""
    return MockCA.open(get_settings().data_dir / "pki")
