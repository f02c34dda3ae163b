"""Settings of the portal service (environment prefix `PORTAL_`)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

from pydantic import Field

from common.eds.ca import MockCA
from common.parties import HOUSING_COMPANY
from common.service_keys import ServiceKey, load_service_key
from common.settings import ServiceSettings, service_config

__all__ = ["PortalSettings", "get_ca", "get_service_key", "get_settings"]


class PortalSettings(ServiceSettings):
    model_config = service_config("PORTAL_")

    service_name: str = "portal"
    # The housing company: officers and the head are recognised by this BIN in their certificates.
    housing_company_name: str = HOUSING_COMPANY.name_ru
    housing_company_bin: str = HOUSING_COMPANY.bin
    # Programme terms (khc.kz): 3.1 % a year, annuity, up to 240 months.
    annual_rate_percent: Decimal = Decimal("3.1")
    max_term_months: int = 240
    max_payment_to_income: Decimal = Decimal("0.5")
    # Subsistence minimum by the year the budget law sets it for (KZT a month).
    subsistence_minimum: dict[int, Decimal] = Field(
        default_factory=lambda: {2025: Decimal(46_228), 2026: Decimal(50_851)}
    )
    apply_within_days: int = 15  # calendar days from the SMS (§7)
    load_within_working_days: int = 2  # the akimat's list (§6)
    review_within_days: int = 15  # calendar days from submission (§13)
    hearing_working_days: int = 2  # the applicant's answer to a preliminary refusal
    registration_fee: Decimal = Decimal("2162.50")  # 0.5 MCI of 2026 (4,325 KZT); verify (domain-anchors §6)
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_media_types: list[str] = Field(
        default_factory=lambda: ["application/pdf", "image/jpeg", "image/png"]
    )
    session_hours: int = 8
    public_base_url: str = "http://127.0.0.1:8000"
    pki_dir: Path | None = None  # the mock national CA; default <data_dir>/pki
    # Chain appends and SMS leave through the outbox; False lets tests drive the relay themselves.
    background_relay: bool = True

    @property
    def uploads_dir(self) -> Path:
        path = self.data_dir / "portal-uploads"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def subsistence_minimum_for(self, year: int) -> tuple[int, Decimal]:
        """The minimum of `year`, or of the latest year configured before it."""
        known = [y for y in self.subsistence_minimum if y <= year] or [min(self.subsistence_minimum)]
        chosen = max(known)
        return chosen, self.subsistence_minimum[chosen]


@cache
def get_settings() -> PortalSettings:
    return PortalSettings()


@cache
def get_service_key() -> ServiceKey:
    settings = get_settings()
    return load_service_key(settings.service_name, settings.service_key_seed)


@cache
def get_ca() -> MockCA:
    """The mock national CA shared by every process through the data directory."""
    settings = get_settings()
    return MockCA.open(settings.pki_dir or settings.data_dir / "pki")
