"""Wire models of the portal API: the contract clients and the pages rely on.

Signatures travel as `cms`: a finished detached CMS, PEM-armoured (NCALayer `basics.sign`) or
bare base64 DER (`commonUtils.createCAdESFromBase64`). Money is a decimal string.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, Field

__all__ = [
    "ChallengeOut",
    "CmsIn",
    "DecisionIn",
    "FlatIn",
    "FormIn",
    "GuarantorIn",
    "IncomeIn",
    "LoginIn",
    "NewApplicationIn",
    "ObjectionIn",
    "PaymentIn",
    "SessionOut",
    "VerifyIn",
    "VideoIn",
]

_MAX_CMS = 200_000


class ChallengeOut(BaseModel):
    challenge_id: str
    challenge_b64: str
    expires_at: str


class LoginIn(BaseModel):
    challenge_id: str = Field(min_length=1, max_length=64)
    cms: str = Field(min_length=1, max_length=_MAX_CMS)


class SessionOut(BaseModel):
    token: str
    iin: str
    bin: str | None
    name: str
    roles: list[str]


class CmsIn(BaseModel):
    cms: str = Field(min_length=1, max_length=_MAX_CMS)


class FlatIn(BaseModel):
    cadastral_number: str = Field(min_length=1, max_length=40)
    price: Decimal = Field(gt=0, max_digits=14, decimal_places=2)


class NewApplicationIn(BaseModel):
    cadastral_number: str = Field(min_length=1, max_length=40)
    term_months: int = Field(ge=1, le=240)


class FormIn(BaseModel):
    """Only what no state system holds (§10, 2026 amendments)."""

    employer: str | None = Field(default=None, min_length=1, max_length=200)
    position: str | None = Field(default=None, min_length=1, max_length=200)
    service_months: int | None = Field(default=None, ge=0, le=800)
    monthly_income: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)


class GuarantorIn(BaseModel):
    kind: str = Field(pattern=r"^(individual|entrepreneur|employer)$")
    identifier: str = Field(pattern=r"^\d{12}$", description="IIN, or BIN for an employer")


class IncomeIn(BaseModel):
    monthly_income: Decimal = Field(gt=0, max_digits=14, decimal_places=2)


class DecisionIn(BaseModel):
    approve: bool
    reasons: str | None = Field(default=None, max_length=4000)


class ObjectionIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class VerifyIn(BaseModel):
    document_b64: str = Field(min_length=1)
    cms: str = Field(min_length=1, max_length=_MAX_CMS)


class PaymentIn(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    paid_on: date
    reference: str = Field(min_length=1, max_length=100)


class VideoIn(BaseModel):
    """When the registrar's video check starts (timezone-aware); default: in 15 minutes."""

    starts_at: AwareDatetime | None = None
