"""Tables of the consent service: consents, their transitions, declared uses, one-time codes, outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, Text
from sqlmodel import Field

from common.outbox import OutboxFields
from consent.db import ConsentBase

__all__ = ["Consent", "ConsentUse", "OtpChallenge", "Outbox", "Transition"]


def _now() -> datetime:
    return datetime.now(UTC)


def _id() -> str:
    return uuid.uuid4().hex


class Consent(ConsentBase, table=True):
    id: str = Field(default_factory=_id, primary_key=True, max_length=32)
    subject_iin: str = Field(index=True, max_length=12)
    subject_name: str = Field(max_length=200)
    purpose: str = Field(index=True, max_length=64)
    requester: str = Field(index=True, max_length=50)
    case_ref: str = Field(index=True, max_length=100)
    phone: str | None = Field(default=None, max_length=16)
    lang: str = Field(max_length=2)
    categories: list[str] = Field(sa_type=JSON)
    users: list[str] = Field(sa_type=JSON)  # services that may use the data under this consent
    status: str = Field(index=True, max_length=32)
    version: int = 1  # bumped by every transition: the conditional UPDATE that serialises them
    artefact_json: str = Field(sa_column=Column(Text, nullable=False))  # canonical bytes, UTF-8
    artefact_sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)
    granted_at: datetime | None = None
    grant_channel: str | None = Field(default=None, max_length=16)
    ended_at: datetime | None = None
    cms: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    evidence_sha256: str | None = Field(default=None, max_length=64)  # CMS or OTP record
    signer: dict[str, Any] | None = Field(default=None, sa_type=JSON)  # validation report summary
    chain_index: int | None = None
    revocation_chain_index: int | None = None
    revocation_reason: str | None = Field(default=None, max_length=1000)
    decision_reason: str | None = Field(default=None, max_length=1000)


class Transition(ConsentBase, table=True):
    """One line of the consent's history: who moved it, through which channel, when and why."""

    id: int | None = Field(default=None, primary_key=True)
    consent_id: str = Field(index=True, max_length=32)
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str = Field(max_length=32)
    actor: str = Field(max_length=80)
    channel: str = Field(max_length=32)
    reason: str | None = Field(default=None, max_length=1000)
    at: datetime = Field(default_factory=_now)


class ConsentUse(ConsentBase, table=True):
    """A declared use of the subject's data; the id is the caller's idempotency key."""

    __tablename__ = "consent_use"

    id: str = Field(default_factory=_id, primary_key=True, max_length=64)
    consent_id: str = Field(index=True, max_length=32)
    requester: str = Field(max_length=50)
    purpose: str = Field(max_length=64)
    categories: list[str] = Field(sa_type=JSON)
    detail: str = Field(default="", max_length=500)
    at: datetime = Field(default_factory=_now, index=True)


class OtpChallenge(ConsentBase, table=True):
    """The live one-time code of a consent; a new code replaces the old one."""

    __tablename__ = "otp_challenge"

    consent_id: str = Field(primary_key=True, max_length=32)
    code_mac: str = Field(max_length=64)
    sent_at: datetime = Field(default_factory=_now)
    expires_at: datetime
    attempts: int = 0
    used_at: datetime | None = None


class Outbox(OutboxFields, ConsentBase, table=True):
    """Messages to the chain, the requesting services and the SMS gateway, sent after commit."""
