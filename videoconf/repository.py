"""Queries of the videoconf service; they never commit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from common.problems import Problem
from videoconf.domain.journal import GENESIS, event_hash
from videoconf.models import Check, Outcome, Participant, Recording, Room, RoomEvent

__all__ = [
    "append_event",
    "event_payload",
    "events",
    "get_participant",
    "get_room",
    "latest_checks",
    "outcome",
    "participants",
    "recordings",
]


def get_room(session: Session, room_id: str, *, lock: bool = False) -> Room:
    statement = select(Room).where(Room.id == room_id)
    if lock:
        statement = statement.with_for_update()
    room = session.exec(statement).first()
    if room is None:
        raise Problem(404, "video.room_not_found", f"No room {room_id}")
    return room


def participants(session: Session, room_id: str) -> list[Participant]:
    statement = select(Participant).where(Participant.room_id == room_id).order_by(col(Participant.position))
    return list(session.exec(statement))


def get_participant(session: Session, room_id: str, participant_id: str) -> Participant:
    participant = session.get(Participant, participant_id)
    if participant is None or participant.room_id != room_id:
        raise Problem(404, "video.participant_not_found", f"No participant {participant_id} in this room")
    return participant


def latest_checks(session: Session, room_id: str) -> dict[str, Check]:
    """The newest checklist per participant."""
    statement = select(Check).where(Check.room_id == room_id).order_by(col(Check.id))
    return {check.participant_id: check for check in session.exec(statement)}


def recordings(session: Session, room_id: str) -> list[Recording]:
    statement = select(Recording).where(Recording.room_id == room_id).order_by(col(Recording.started_at))
    return list(session.exec(statement))


def outcome(session: Session, room_id: str) -> Outcome | None:
    return session.get(Outcome, room_id)


def events(session: Session, room_id: str) -> list[RoomEvent]:
    statement = select(RoomEvent).where(RoomEvent.room_id == room_id).order_by(col(RoomEvent.seq))
    return list(session.exec(statement))


def event_payload(event: RoomEvent) -> dict[str, Any]:
    """What an event's hash covers."""
    return {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat() if event.at.tzinfo else event.at.isoformat() + "+00:00",
        "kind": event.kind,
        "participant": event.participant_id or "",
        "data": event.data,
    }


def last_event(session: Session, room_id: str) -> RoomEvent | None:
    return session.exec(
        select(RoomEvent).where(RoomEvent.room_id == room_id).order_by(col(RoomEvent.seq).desc()).limit(1)
    ).first()


def append_event(
    session: Session, room_id: str, kind: str, participant_id: str | None = None, **data: Any
) -> RoomEvent:
    last = last_event(session, room_id)
    event = RoomEvent(
        room_id=room_id,
        seq=(last.seq + 1) if last else 1,
        at=datetime.now(UTC).replace(microsecond=0),
        kind=kind,
        participant_id=participant_id,
        data=data,
        hash="",
    )
    event.hash = event_hash(last.hash if last else GENESIS, event_payload(event))
    session.add(event)
    return event
