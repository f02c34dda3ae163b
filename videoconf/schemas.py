"""Wire models of the videoconf API: the contract other services and clients rely on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from videoconf.domain.checklist import REASON_CODES  # rejection reason codes, re-exported

__all__ = [
    "REASON_CODES",
    "ChecklistInput",
    "ChecklistView",
    "Decision",
    "InvitationRequest",
    "InvitationView",
    "OutcomeDraft",
    "OutcomeDraftRequest",
    "OutcomeSubmission",
    "OutcomeView",
    "ParticipantRole",
    "ParticipantSpec",
    "ParticipantView",
    "RecordingView",
    "RoomView",
    "ScheduleRoomRequest",
    "SessionTime",
    "SessionView",
]

_IIN = r"^\d{12}$"
_HEX64 = r"^[0-9a-f]{64}$"


def _in_utc(moment: datetime) -> datetime:
    # Stored and compared as UTC; a session outside these years is a typo, and refusing it keeps
    # the conversion (and the database) clear of the calendar's edges.
    if not 2000 <= moment.year <= 2100:
        raise ValueError("a video session is scheduled between the years 2000 and 2100")
    return moment.astimezone(UTC)


SessionTime = Annotated[AwareDatetime, AfterValidator(_in_utc)]


class ParticipantRole(StrEnum):
    APPLICANT = "applicant"
    SPOUSE = "spouse"
    HOUSING_COMPANY = "housing_company"
    REGISTRAR = "registrar"


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class ParticipantSpec(BaseModel):
    """Who is expected in the room, with the persons register's data the registrar checks against.

    The registry gateway fills the optional fields from the persons and civil registers; the
    registrar compares them with the document shown on camera.
    """

    iin: str = Field(pattern=_IIN)
    role: ParticipantRole
    name: str = Field(min_length=1, max_length=200)
    birth_date: date | None = None
    document_number: str | None = Field(None, max_length=40)
    legally_capable: bool | None = None  # None: the register says nothing
    married: bool | None = None  # for the applicant: whether the spouse must attend
    bin: str | None = Field(None, pattern=_IIN)  # the housing company's BIN for its representative


class ScheduleRoomRequest(BaseModel):
    case_ref: str = Field(min_length=1, max_length=100)
    starts_at: SessionTime
    participants: list[ParticipantSpec] = Field(min_length=2, max_length=8)


class ParticipantView(BaseModel):
    id: str
    iin: str
    role: ParticipantRole
    name: str
    state: str  # invited | waiting | admitted | connected | left
    consented_at: datetime | None = None
    verified: bool = False  # the registrar's checklist passed for the current connection
    connection: int = 0  # how many media connections so far (a rejoin increments it)


class RecordingView(BaseModel):
    id: str
    started_at: datetime
    stopped_at: datetime | None = None
    sha256: str | None = None
    size: int | None = None


class RoomView(BaseModel):
    id: str
    case_ref: str
    starts_at: datetime
    state: str  # scheduled | open | finished
    participants: list[ParticipantView]
    recording: bool = False
    recordings: list[RecordingView] = Field(default_factory=list)


class InvitationRequest(BaseModel):
    iin: str = Field(pattern=_IIN)


class InvitationView(BaseModel):
    """A short-lived join link bound to one participant (IIN and role) of one room."""

    room_id: str
    iin: str
    role: ParticipantRole
    join_url: str
    token: str
    expires_at: datetime


class SessionView(BaseModel):
    """An EDS-authenticated participant session in one room."""

    session_token: str
    room_id: str
    participant_id: str
    role: ParticipantRole
    expires_at: datetime


class ChecklistInput(BaseModel):
    """The registrar's findings about one participant, for their current connection."""

    identity_confirmed: bool
    document_number_seen: str | None = Field(None, max_length=40)
    legal_capacity_confirmed: bool
    free_will_confirmed: bool
    spouse_present: bool | None = None  # asked for the applicant only
    note: str | None = Field(None, max_length=500)


class ChecklistView(BaseModel):
    participant_id: str
    iin: str
    role: ParticipantRole
    identity_confirmed: bool
    legal_capacity_confirmed: bool
    free_will_confirmed: bool
    spouse_present: bool | None = None
    passed: bool
    problems: list[str] = Field(default_factory=list)
    connection: int
    checked_at: datetime


class OutcomeDraftRequest(BaseModel):
    decision: Decision
    reasons: list[str] = Field(default_factory=list, max_length=len(REASON_CODES))
    comment: str | None = Field(None, max_length=1000)


class OutcomeDraft(BaseModel):
    """The canonical outcome document the registrar signs (detached CMS over `document_b64`)."""

    document_b64: str
    sha256: str


class OutcomeSubmission(BaseModel):
    sha256: str = Field(pattern=_HEX64)
    cms_b64: str = Field(min_length=16)


class OutcomeView(BaseModel):
    room_id: str
    case_ref: str
    status: Decision
    reasons: list[str]
    comment: str | None = None
    checklist: list[ChecklistView]
    recording_sha256: str | None  # the last recording segment; every segment is in `recordings`
    recordings: list[RecordingView]
    outcome_sha256: str
    cms_sha256: str
    chain_index: int | None = None  # set once the video.verified entry is appended
    signed_by_iin: str
    finished_at: datetime
