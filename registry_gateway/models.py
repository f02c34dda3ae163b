"""Tables of the registry_gateway service: the stand-in state registries and the cadastre,
registration cases with their parties, documents, checks and history, notices, and the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, LargeBinary, Numeric, UniqueConstraint
from sqlmodel import Field

from common.outbox import OutboxFields
from registry_gateway.db import RegistryGatewayBase

__all__ = [
    "Case",
    "CaseCheck",
    "CaseDocument",
    "CaseParty",
    "CaseTransition",
    "CivilActRow",
    "DeadlineAlert",
    "Encumbrance",
    "LegalEntity",
    "Notice",
    "Outbox",
    "Person",
    "Property",
    "Right",
    "SheetLine",
    "WebhookSubscriber",
]


def _now() -> datetime:
    return datetime.now(UTC)


def _id() -> str:
    return uuid.uuid4().hex


_MONEY = Numeric(14, 2)
_AREA = Numeric(9, 2)


# ---------------------------------------------------------------- state registries (stand-ins)


class Person(RegistryGatewayBase, table=True):
    iin: str = Field(primary_key=True, max_length=12)
    surname_kk: str
    given_name_kk: str
    patronymic_kk: str | None = None
    surname_ru: str
    given_name_ru: str
    patronymic_ru: str | None = None
    birth_date: date
    sex: str = Field(max_length=1)
    citizenship: str = Field(default="KZ", max_length=2)
    residence_permit: str | None = None
    address: str
    address_registered_on: date | None = None
    phone: str | None = None
    marital_status: str = "single"
    spouse_iin: str | None = Field(default=None, max_length=12)
    children_iins: list[str] = Field(default_factory=list, sa_type=JSON)
    legal_capacity: str = "full"
    dispensary_registered: bool = False
    deceased_on: date | None = None
    on_terrorism_list: bool = False
    affiliated_with_housing_company: bool = False
    credit: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    court_cases: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class LegalEntity(RegistryGatewayBase, table=True):
    __tablename__ = "legal_entity"
    bin: str = Field(primary_key=True, max_length=12)
    name_kk: str
    name_ru: str
    head_iin: str = Field(max_length=12)
    registered_on: date
    address: str
    authorised_signers: list[str] = Field(default_factory=list, sa_type=JSON)
    on_terrorism_list: bool = False


class CivilActRow(RegistryGatewayBase, table=True):
    __tablename__ = "civil_act"
    id: str = Field(default_factory=_id, primary_key=True)
    kind: str  # birth | marriage | divorce | death
    number: str = Field(unique=True)
    registered_on: date
    office: str
    party_a: str = Field(index=True, max_length=12)
    party_b: str | None = Field(default=None, index=True, max_length=12)


class Property(RegistryGatewayBase, table=True):
    cadastral_number: str = Field(primary_key=True, max_length=40)
    address_code: str = Field(max_length=16, unique=True)
    address: str
    kind: str = "apartment"
    total_area: Decimal = Field(sa_type=_AREA)
    living_area: Decimal = Field(sa_type=_AREA)
    rooms: int
    floor: int
    floors: int
    year_built: int
    owner_iin: str | None = Field(default=None, index=True, max_length=12)
    owner_bin: str | None = Field(default=None, index=True, max_length=12)


class Right(RegistryGatewayBase, table=True):
    id: str = Field(default_factory=_id, primary_key=True)
    cadastral_number: str = Field(index=True, max_length=40)
    kind: str = "ownership"
    holder_iin: str | None = Field(default=None, index=True, max_length=12)
    holder_bin: str | None = Field(default=None, max_length=12)
    share: str = "1/1"
    since: date
    until: date | None = None
    basis: str


class Encumbrance(RegistryGatewayBase, table=True):
    id: str = Field(default_factory=_id, primary_key=True)
    cadastral_number: str = Field(index=True, max_length=40)
    kind: str  # lease | mortgage | arrest
    holder_iin: str | None = Field(default=None, max_length=12)
    holder_bin: str | None = Field(default=None, max_length=12)
    registered_at: datetime = Field(default_factory=_now)
    terminated_at: datetime | None = None
    basis: str
    case_id: str | None = None
    terminated_by_case: str | None = None


class SheetLine(RegistryGatewayBase, table=True):
    """The registration sheet: lines are inserted, never updated or deleted."""

    __tablename__ = "sheet_line"
    __table_args__ = (UniqueConstraint("cadastral_number", "seq"),)
    id: str = Field(default_factory=_id, primary_key=True)
    cadastral_number: str = Field(index=True, max_length=40)
    seq: int
    action: str
    case_id: str | None = None
    holder: str | None = None
    basis: str
    registrar_iin: str | None = None
    recorded_at: datetime = Field(default_factory=_now)


# ---------------------------------------------------------------- registration cases


class Case(RegistryGatewayBase, table=True):
    __table_args__ = (UniqueConstraint("kind", "portal_ref"),)
    id: str = Field(default_factory=_id, primary_key=True)
    kind: str
    state: str = Field(index=True)
    cadastral_number: str = Field(index=True, max_length=40)
    portal_ref: str
    related_case: str | None = None
    consent_id: str | None = None
    application: bytes = Field(sa_type=LargeBinary)  # canonical JSON every party signs
    application_sha256: str
    fee_due: Decimal = Field(sa_type=_MONEY)
    fee_paid: Decimal | None = Field(default=None, sa_type=_MONEY)
    receipt: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    payment_confirmed_at: datetime | None = None
    deadline: datetime | None = Field(default=None, index=True)
    video_room_id: str | None = None
    video_starts_at: datetime | None = None
    decision: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    decision_document: bytes | None = Field(default=None, sa_type=LargeBinary)
    decision_cms: bytes | None = Field(default=None, sa_type=LargeBinary)
    encumbrance_id: str | None = None  # the lease this case registered or terminates
    chain: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class CaseParty(RegistryGatewayBase, table=True):
    __tablename__ = "case_party"
    id: str = Field(default_factory=_id, primary_key=True)
    case_id: str = Field(index=True)
    iin: str | None = Field(default=None, max_length=12)
    bin: str | None = Field(default=None, max_length=12)
    role: str
    representative_iin: str | None = Field(default=None, max_length=12)
    application_cms: bytes | None = Field(default=None, sa_type=LargeBinary)
    signed_at: datetime | None = None
    signature_report: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class CaseDocument(RegistryGatewayBase, table=True):
    __tablename__ = "case_document"
    id: str = Field(default_factory=_id, primary_key=True)
    case_id: str = Field(index=True)
    name: str
    sha256: str
    media_type: str
    content: bytes = Field(sa_type=LargeBinary)
    cms: bytes | None = Field(default=None, sa_type=LargeBinary)
    signature_report: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    added_at: datetime = Field(default_factory=_now)


class CaseCheck(RegistryGatewayBase, table=True):
    __tablename__ = "case_check"
    id: str = Field(default_factory=_id, primary_key=True)
    case_id: str = Field(index=True)
    run: int
    code: str
    passed: bool
    detail: str
    evidence: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    checked_at: datetime = Field(default_factory=_now)


class CaseTransition(RegistryGatewayBase, table=True):
    __tablename__ = "case_transition"
    id: str = Field(default_factory=_id, primary_key=True)
    case_id: str = Field(index=True)
    from_state: str | None = None
    to_state: str
    actor: str
    reason: str
    at: datetime = Field(default_factory=_now)


class DeadlineAlert(RegistryGatewayBase, table=True):
    __tablename__ = "deadline_alert"
    __table_args__ = (UniqueConstraint("case_id", "level"),)
    id: str = Field(default_factory=_id, primary_key=True)
    case_id: str = Field(index=True)
    level: str  # due_soon | overdue
    deadline: datetime
    raised_at: datetime = Field(default_factory=_now)


# ---------------------------------------------------------------- notices


class Notice(RegistryGatewayBase, table=True):
    """A notice sent from the outbox, with the dates of sending and of the receiver's receipt."""

    id: str = Field(primary_key=True)  # the outbox message id
    case_id: str = Field(index=True)
    channel: str  # egov | sms | portal | bureau
    recipient: str
    event: str
    sent_at: datetime | None = None
    received_at: datetime | None = None
    receipt_ref: str | None = None


class WebhookSubscriber(RegistryGatewayBase, table=True):
    __tablename__ = "webhook_subscriber"
    id: str = Field(primary_key=True, max_length=50)
    url: str
    secret: str  # whsec_<base64>, one per subscriber
    events: list[str] = Field(default_factory=list, sa_type=JSON)  # empty = every event
    active: bool = True


class Outbox(OutboxFields, RegistryGatewayBase, table=True):
    pass
