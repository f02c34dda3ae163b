"""Tables of the videoconf service: rooms, participants, sessions, the registrar's checks, the
room journal, recordings, the signed outcome and the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field

from common.outbox import OutboxFields
from videoconf.db import VideoconfBase

__all__ = [
    "Check",
    "LoginChallenge",
    "Outbox",
    "Outcome",
    "OutcomeDraftRow",
    "Participant",
    "Recording",
    "Room",
    "RoomEvent",
    "Session",
]


def _now() -> datetime:
    return datetime.now(UTC)


def _id() -> str:
    return uuid.uuid4().hex


class Room(VideoconfBase, table=True):
    id: str = Field(default_factory=_id, primary_key=True, max_length=32)
    case_ref: str = Field(index=True, max_length=100)
    schedule_key: str = Field(unique=True, max_length=64)  # case + start: makes scheduling idempotent
    starts_at: datetime
    state: str = Field(default="scheduled", max_length=16)  # scheduled | open | finished
    scheduled_by: str = Field(max_length=50)
    created_at: datetime = Field(default_factory=_now)
    finished_at: datetime | None = None


class Participant(VideoconfBase, table=True):
    __table_args__ = (UniqueConstraint("room_id", "iin"),)

    id: str = Field(default_factory=_id, primary_key=True, max_length=32)
    room_id: str = Field(index=True, max_length=32)
    position: int
    iin: str = Field(max_length=12)
    role: str = Field(max_length=20)
    name: str = Field(max_length=200)
    spec: dict[str, Any] = Field(sa_type=JSON)  # the gateway's ParticipantSpec (register data)
    state: str = Field(default="invited", max_length=16)  # invited | waiting | admitted | connected | left
    connection: int = 0
    consented_at: datetime | None = None


class LoginChallenge(VideoconfBase, table=True):
    nonce: str = Field(primary_key=True, max_length=64)
    participant_id: str = Field(max_length=32)
    expires_at: datetime
    used: bool = False


class Session(VideoconfBase, table=True):
    token_sha256: str = Field(primary_key=True, max_length=64)
    room_id: str = Field(index=True, max_length=32)
    participant_id: str = Field(max_length=32)
    expires_at: datetime


class Check(VideoconfBase, table=True):
    """The registrar's checklist for one participant's connection; the latest one counts."""

    id: int | None = Field(default=None, primary_key=True)
    room_id: str = Field(index=True, max_length=32)
    participant_id: str = Field(index=True, max_length=32)
    connection: int
    findings: dict[str, Any] = Field(sa_type=JSON)
    passed: bool
    problems: list[str] = Field(sa_type=JSON)
    checked_at: datetime = Field(default_factory=_now)


class RoomEvent(VideoconfBase, table=True):
    """The room journal: each event's hash covers the previous one (tamper-evident)."""

    __table_args__ = (UniqueConstraint("room_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    room_id: str = Field(index=True, max_length=32)
    seq: int
    at: datetime = Field(default_factory=_now)
    kind: str = Field(max_length=40)
    participant_id: str | None = Field(default=None, max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    hash: str = Field(max_length=64)


class Recording(VideoconfBase, table=True):
    id: str = Field(default_factory=_id, primary_key=True, max_length=32)
    room_id: str = Field(index=True, max_length=32)
    path: str = Field(max_length=300)  # relative to <data_dir>/recordings
    started_at: datetime = Field(default_factory=_now)
    stopped_at: datetime | None = None
    sha256: str | None = Field(default=None, max_length=64)
    size: int | None = None


class OutcomeDraftRow(VideoconfBase, table=True):
    """The exact document the registrar was given to sign; the signed submission must match it."""

    __tablename__ = "outcomedraft"

    room_id: str = Field(primary_key=True, max_length=32)
    document: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=_now)


class Outcome(VideoconfBase, table=True):
    room_id: str = Field(primary_key=True, max_length=32)
    decision: str = Field(max_length=16)
    document: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    cms: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    cms_sha256: str = Field(max_length=64)
    signed_by_iin: str = Field(max_length=12)
    finished_at: datetime = Field(default_factory=_now)
    chain_index: int | None = None


class Outbox(OutboxFields, VideoconfBase, table=True):
    pass
