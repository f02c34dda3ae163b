"""Wire models of the consent API: the contract other services and clients rely on.

A consent is a signed artefact of the appendix form (PILOT.md "The consent form"). Services
request it, the subject grants it (EDS or one-time code), and every later use of the subject's
data is checked against it and logged.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "CATEGORIES",
    "CaseClosed",
    "CheckResult",
    "CloseCase",
    "CmsGrant",
    "ConsentRequest",
    "ConsentStatus",
    "ConsentView",
    "OtpGrant",
    "OtpSent",
    "Purpose",
    "Reason",
    "RevocationDecision",
    "StatusCallback",
    "SubjectLink",
    "TransitionView",
    "UseRequest",
    "UseView",
]


class Purpose(StrEnum):
    RENT_TO_OWN_APPLICATION = "rent_to_own.application"
    REGISTRATION_ENCUMBRANCE = "registration.encumbrance"
    REGISTRATION_TERMINATION_OWNERSHIP = "registration.termination_ownership"


class ConsentStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    REVOCATION_REQUESTED = "REVOCATION_REQUESTED"
    REVOKED = "REVOKED"
    REVOCATION_DENIED = "REVOCATION_DENIED"


# The data categories of the appendix form, as stable codes (labels live in consent.domain.catalogue).
CATEGORIES: tuple[str, ...] = (
    "full_name",
    "address",
    "phones",
    "iin",
    "signature",
    "id_document",
    "birth",
    "sex",
    "marital_status",
    "citizenship",
    "property",
    "dispensary",
    "terrorism_list",
)

_IIN = r"^[0-9]{12}$"
_PHONE = r"^\+?[0-9]{10,15}$"


class ConsentRequest(BaseModel):
    """`POST /v1/consents`: a requesting service asks the subject for consent."""

    subject_iin: str = Field(pattern=_IIN)
    subject_name: str = Field(min_length=1, max_length=200)
    purpose: Purpose
    requester: str = Field(min_length=1, max_length=50)
    case_ref: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, pattern=_PHONE)
    lang: str = Field(default="kk", pattern=r"^(kk|ru|en)$")
    # None = every category of the form; a narrower list minimises what may be used.
    categories: list[str] | None = Field(default=None, min_length=1, max_length=len(CATEGORIES))


class TransitionView(BaseModel):
    from_status: ConsentStatus | None
    to_status: ConsentStatus
    actor: str
    channel: str
    reason: str | None
    at: datetime


class ConsentView(BaseModel):
    id: str
    status: ConsentStatus
    purpose: Purpose
    requester: str
    case_ref: str
    subject_iin: str  # masked: birth date kept, serial hidden
    artefact: dict[str, Any]
    artefact_sha256: str
    categories: list[str]
    created_at: datetime
    updated_at: datetime
    granted_at: datetime | None = None
    grant_channel: str | None = None
    ended_at: datetime | None = None
    chain_index: int | None = None  # the consent.granted entry, once appended
    revocation_chain_index: int | None = None  # the consent.revoked entry, once appended
    revocation_reason: str | None = None
    decision_reason: str | None = None
    in_force: bool = False  # uses are allowed (ACTIVE or REVOCATION_DENIED)
    transitions: list[TransitionView] = Field(default_factory=list)


class CmsGrant(BaseModel):
    """`POST /v1/consents/{id}/grant/cms`: the subject's detached CMS over the artefact bytes (base64)."""

    cms_base64: str = Field(min_length=1)


class OtpSent(BaseModel):
    consent_id: str
    phone_masked: str
    expires_at: datetime


class OtpGrant(BaseModel):
    code: str = Field(pattern=r"^[0-9]{4,8}$")


class Reason(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class RevocationDecision(BaseModel):
    accept: bool
    reason: str = Field(min_length=1, max_length=1000)


class CheckResult(BaseModel):
    allowed: bool
    consent_id: str | None
    reason: str


class UseRequest(BaseModel):
    requester: str = Field(min_length=1, max_length=50)
    purpose: Purpose
    categories: list[str] = Field(min_length=1, max_length=len(CATEGORIES))
    detail: str = Field(default="", max_length=500)


class UseView(BaseModel):
    id: str
    consent_id: str
    requester: str
    purpose: Purpose
    categories: list[str]
    detail: str
    at: datetime


class CloseCase(BaseModel):
    case_ref: str = Field(min_length=1, max_length=100)


class CaseClosed(BaseModel):
    case_ref: str
    expired: list[str]  # ids of the consents that ended


class SubjectLink(BaseModel):
    """A signed link the subject opens (from an SMS or the cabinet) to see and act on a consent."""

    consent_id: str
    url: str
    token: str
    expires_at: datetime


class StatusCallback(BaseModel):
    """What the consent service POSTs to `<requester>/v1/callbacks/consent` on every status change.

    Headers: `Idempotency-Key` (the outbox message id, stable across retries) and a service JWT
    issued by `consent`. Receivers deduplicate by that key.
    """

    consent_id: str
    status: ConsentStatus
    subject_iin_masked: str
    purpose: Purpose
    case_ref: str
    at: datetime
