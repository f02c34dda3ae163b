"""Whether a declared use of personal data is covered by a consent (the enforcement point)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from consent.domain.lifecycle import IN_FORCE
from consent.schemas import CATEGORIES, ConsentStatus

__all__ = ["Refusal", "refuse_use", "unknown_categories"]


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    detail: str


def unknown_categories(categories: Collection[str]) -> list[str]:
    return sorted(set(categories) - set(CATEGORIES))


def refuse_use(
    *,
    status: ConsentStatus,
    consent_purpose: str,
    covered: Collection[str],
    users: Collection[str],
    requester: str,
    purpose: str,
    categories: Collection[str],
) -> Refusal | None:
    """None when the use is allowed; otherwise the first reason it is not, with a stable code."""
    if status not in IN_FORCE:
        return Refusal("consent.not_active", f"the consent is {status}, not in force")
    if purpose != consent_purpose:
        return Refusal("consent.purpose_mismatch", f"the consent covers {consent_purpose}, not {purpose}")
    if requester not in users:
        return Refusal("consent.requester_not_covered", f"{requester} is not a recipient under this consent")
    missing = sorted(set(categories) - set(covered))
    if missing:
        return Refusal("consent.category_not_covered", f"not covered by the consent: {', '.join(missing)}")
    return None
