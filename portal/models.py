"""Tables of the portal service.

Documents (leases, refusals, letters) and their CMS are kept here, off-chain: certificates in a
CMS carry names and IINs, so the chain holds only their hashes. Uploads live as files under
`<RTO_DATA_DIR>/portal-uploads/`, named by their SHA-256, with their owner and type here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, Numeric, UniqueConstraint
from sqlmodel import Field

from common.outbox import OutboxFields
from portal.db import PortalBase

__all__ = [
    "Account",
    "AkimatList",
    "Application",
    "CallbackReceipt",
    "Flat",
    "Guarantor",
    "Lease",
    "LeaseSignature",
    "LoginChallenge",
    "Notice",
    "Outbox",
    "Payment",
    "RegistrationCase",
    "SessionToken",
    "SignedDocument",
    "Upload",
]


def _id() -> str:
    return uuid.uuid4().hex


def _now() -> datetime:
    return datetime.now(UTC)


def _money() -> Any:
    return Column(Numeric(16, 2), nullable=False)


class Outbox(OutboxFields, PortalBase, table=True):
    __tablename__ = "outbox"


class AkimatList(PortalBase, table=True):
    __tablename__ = "akimat_list"

    id: str = Field(default_factory=_id, primary_key=True)
    akimat: str = Field(max_length=200)
    received_on: date
    load_deadline: datetime  # end of the 2nd working day after receipt (§6)
    loaded_at: datetime = Field(default_factory=_now)
    loaded_late: bool = False
    loaded_by: str = Field(max_length=12)
    source_sha256: str = Field(max_length=64)
    rows_total: int
    rows_loaded: int
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class Account(PortalBase, table=True):
    """A person on an akimat list, invited to apply."""

    __tablename__ = "account"

    id: str = Field(default_factory=_id, primary_key=True)
    iin: str = Field(max_length=12, unique=True, index=True)
    category: str = Field(max_length=40)
    phone: str = Field(max_length=16)
    list_id: str = Field(index=True)
    invited_at: datetime = Field(default_factory=_now)
    apply_by: datetime  # end of the 15th calendar day after the SMS (§7)


class LoginChallenge(PortalBase, table=True):
    __tablename__ = "login_challenge"

    id: str = Field(default_factory=_id, primary_key=True)
    nonce: str = Field(max_length=64)
    expires_at: datetime
    used_at: datetime | None = None


class SessionToken(PortalBase, table=True):
    __tablename__ = "session_token"

    token_sha256: str = Field(primary_key=True, max_length=64)
    iin: str = Field(max_length=12, index=True)
    bin: str | None = Field(default=None, max_length=12)
    name: str = Field(max_length=200)
    roles: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(default_factory=_now)
    expires_at: datetime


class Flat(PortalBase, table=True):
    """A flat the housing company offers; its facts come from the cadastre, its price from KZhK."""

    __tablename__ = "flat"

    cadastral_number: str = Field(primary_key=True, max_length=40)
    price: Decimal = Field(sa_column=_money())
    address: str = Field(max_length=300)
    rooms: int
    total_area: str = Field(max_length=20)
    reserved_by: str | None = Field(default=None, max_length=32)  # application id


class Application(PortalBase, table=True):
    __tablename__ = "application"

    id: str = Field(default_factory=_id, primary_key=True)
    applicant_iin: str = Field(max_length=12, index=True)
    applicant_name: str = Field(default="", max_length=200)
    status: str = Field(default="draft", max_length=30, index=True)
    cadastral_number: str = Field(max_length=40)
    term_months: int
    first_due: date
    created_at: datetime = Field(default_factory=_now)
    consent_id: str | None = None
    consent_status: str | None = Field(default=None, max_length=30)
    state_data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # fetched, never asked
    form: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # what only the applicant knows
    solvency: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    document: bytes | None = Field(default=None, sa_column=Column(LargeBinary))  # frozen application
    document_sha256: str | None = Field(default=None, max_length=64)
    applicant_cms: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    submitted_at: datetime | None = None
    review_deadline: datetime | None = None
    review: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    reasons: str | None = None  # of a (preliminary) refusal
    hearing_until: datetime | None = None
    objection: str | None = None
    decided_at: datetime | None = None


class Guarantor(PortalBase, table=True):
    __tablename__ = "guarantor"
    __table_args__ = (UniqueConstraint("application_id", "identifier"),)

    id: str = Field(default_factory=_id, primary_key=True)
    application_id: str = Field(index=True)
    position: int
    kind: str = Field(max_length=20)  # individual | entrepreneur | employer
    identifier: str = Field(max_length=12, index=True)  # IIN, or BIN for an employer
    name: str = Field(default="", max_length=200)
    consent_id: str | None = None
    consent_status: str | None = Field(default=None, max_length=30)
    state_data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    monthly_income: Decimal | None = Field(default=None, sa_column=Column(Numeric(16, 2)))
    ineligible: list[list[str]] = Field(default_factory=list, sa_type=JSON)
    cms: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    signed_at: datetime | None = None


class Upload(PortalBase, table=True):
    __tablename__ = "upload"

    id: str = Field(default_factory=_id, primary_key=True)
    application_id: str = Field(index=True)
    owner_iin: str = Field(max_length=12)
    doc_type: str = Field(max_length=40)
    filename: str = Field(max_length=200)
    media_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_at: datetime = Field(default_factory=_now)


class SignedDocument(PortalBase, table=True):
    """A document the housing company's head signs: a refusal or a release letter."""

    __tablename__ = "signed_document"

    id: str = Field(default_factory=_id, primary_key=True)
    application_id: str = Field(index=True)
    kind: str = Field(max_length=20)  # refusal | letter
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64, index=True)
    cms: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    signed_at: datetime | None = None
    chain_index: int | None = None


class Lease(PortalBase, table=True):
    __tablename__ = "lease"

    id: str = Field(default_factory=_id, primary_key=True)
    application_id: str = Field(index=True, unique=True)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64, index=True)
    parties: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)
    signatures: int = 0
    cms: bytes | None = Field(default=None, sa_column=Column(LargeBinary))  # merged, once complete
    signed_at: datetime | None = None
    chain_index: int | None = None
    leaf_hash: str | None = Field(default=None, max_length=64)
    receipt: str | None = None
    price: Decimal = Field(sa_column=_money())


class LeaseSignature(PortalBase, table=True):
    __tablename__ = "lease_signature"
    __table_args__ = (UniqueConstraint("lease_id", "position"),)

    id: str = Field(default_factory=_id, primary_key=True)
    lease_id: str = Field(index=True)
    position: int
    role: str = Field(max_length=20)
    iin: str | None = Field(default=None, max_length=12)
    bin: str | None = Field(default=None, max_length=12)
    cms: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    report: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    signed_at: datetime = Field(default_factory=_now)


class Notice(PortalBase, table=True):
    """A message in a person's cabinet; `read_at` confirms receipt."""

    __tablename__ = "notice"

    id: str = Field(default_factory=_id, primary_key=True)
    recipient: str = Field(max_length=12, index=True)  # IIN or BIN
    kind: str = Field(max_length=40)
    text: str
    ref: str | None = None
    created_at: datetime = Field(default_factory=_now)
    read_at: datetime | None = None


class CallbackReceipt(PortalBase, table=True):
    """Callbacks already applied, by their Idempotency-Key."""

    __tablename__ = "callback_receipt"

    key: str = Field(primary_key=True, max_length=255)
    source: str = Field(max_length=40)
    received_at: datetime = Field(default_factory=_now)


class RegistrationCase(PortalBase, table=True):
    """A registration case at the registry gateway (stage 2: the lease; stage 3: termination and
    ownership), mirrored for the cabinet: its state arrives by callback."""

    __tablename__ = "registration_case"

    id: str = Field(primary_key=True, max_length=64)  # the registry gateway's case id
    application_id: str = Field(index=True)
    kind: str = Field(max_length=40)
    state: str = Field(max_length=30)
    consent_id: str | None = None
    updated_at: datetime = Field(default_factory=_now)
    portal_ref: str = Field(default="", max_length=100)
    related_case: str | None = Field(default=None, max_length=64)
    representative_iin: str | None = Field(default=None, max_length=12)  # signs and joins for KZhK
    consent_status: str | None = Field(default=None, max_length=30)
    applicant_signed_at: datetime | None = None
    company_signed_at: datetime | None = None
    fee_receipt: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    video_starts_at: datetime | None = None
    deadline: datetime | None = None
    decision: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=_now)


class Payment(PortalBase, table=True):
    """One payment into a lease's ledger; the bank's reference makes recording it idempotent."""

    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("lease_id", "reference", name="uq_payment_lease_reference"),)

    id: str = Field(default_factory=_id, primary_key=True)
    lease_id: str = Field(index=True)
    amount: Decimal = Field(sa_column=_money())
    paid_on: date
    reference: str = Field(max_length=100)
    recorded_at: datetime = Field(default_factory=_now)
    recorded_by: str = Field(default="", max_length=12)
