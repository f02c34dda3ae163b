"""Use cases of the videoconf service, one transaction each: scheduling, invitations, EDS login,
the lobby, connections, consent, the registrar's checklist and recordings. Finishing a room
(the signed outcome and its chain entry) is in `finishing.py`."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from common.db import session_scope
from common.eds import new_challenge
from common.ids import parse_iin
from common.problems import Problem
from videoconf import repository as repo
from videoconf.config import get_service_key, get_settings
from videoconf.db import get_engine
from videoconf.domain.checklist import Findings, ParticipantState, evaluate
from videoconf.eds import login_identity
from videoconf.models import Check, LoginChallenge, Participant, Recording, Room
from videoconf.models import Session as SessionRow
from videoconf.schemas import (
    ChecklistInput,
    ChecklistView,
    InvitationView,
    ParticipantRole,
    ParticipantView,
    RecordingView,
    RoomView,
    ScheduleRoomRequest,
    SessionView,
)
from videoconf.tokens import JoinClaims, mint_join_token, new_session_token, read_join_token, token_sha256

__all__ = [
    "Actor",
    "abort_recording",
    "admit",
    "authenticate",
    "aware",
    "begin_connection",
    "begin_recording",
    "checklist_view",
    "consent",
    "finish_recording",
    "issue_invitation",
    "login",
    "login_challenge",
    "participant_states",
    "record_check",
    "record_drop",
    "recording_view",
    "room_view",
    "room_view_by_key",
    "schedule_room",
    "seen_by",
]


def _now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Actor:
    """A logged-in participant (the registrar is one too)."""

    room_id: str
    participant_id: str
    role: str

    @property
    def is_registrar(self) -> bool:
        return self.role == ParticipantRole.REGISTRAR


# -- views ------------------------------------------------------------------------------------


def _verified(participant: Participant, check: Check | None) -> bool:
    return check is not None and check.passed and check.connection == participant.connection > 0


def _room_view(session: Session, room: Room) -> RoomView:
    checks = repo.latest_checks(session, room.id)
    recordings = repo.recordings(session, room.id)
    return RoomView(
        id=room.id,
        case_ref=room.case_ref,
        starts_at=aware(room.starts_at),
        state=room.state,
        participants=[
            ParticipantView(
                id=p.id,
                iin=p.iin,
                role=ParticipantRole(p.role),
                name=p.name,
                state=p.state,
                consented_at=aware(p.consented_at) if p.consented_at else None,
                verified=_verified(p, checks.get(p.id)),
                connection=p.connection,
            )
            for p in repo.participants(session, room.id)
        ],
        recording=any(r.stopped_at is None for r in recordings),
        recordings=[recording_view(r) for r in recordings],
    )


def recording_view(recording: Recording) -> RecordingView:
    return RecordingView(
        id=recording.id,
        started_at=aware(recording.started_at),
        stopped_at=aware(recording.stopped_at) if recording.stopped_at else None,
        sha256=recording.sha256,
        size=recording.size,
    )


def seen_by(room: RoomView, actor: Actor) -> RoomView:
    """The room as a participant sees it: the registrar every IIN, the others only their own
    (the rest masked, birth date kept) — the parties need not learn each other's or the officials'."""
    if actor.is_registrar:
        return room
    participants = [
        p if p.id == actor.participant_id else p.model_copy(update={"iin": parse_iin(p.iin).masked()})
        for p in room.participants
    ]
    return room.model_copy(update={"participants": participants})


def room_view(room_id: str) -> RoomView:
    with Session(get_engine()) as session:
        return _room_view(session, repo.get_room(session, room_id))


def participant_states(session: Session, room_id: str) -> list[ParticipantState]:
    checks = repo.latest_checks(session, room_id)
    states = []
    for p in repo.participants(session, room_id):
        check = checks.get(p.id)
        states.append(
            ParticipantState(
                role=p.role,
                connection=p.connection,
                consented=p.consented_at is not None,
                married=p.spec.get("married"),
                verified_connection=check.connection if check is not None and check.passed else None,
            )
        )
    return states


# -- scheduling and invitations ------------------------------------------------------------------


def schedule_room(request: ScheduleRoomRequest, caller: str) -> RoomView:
    roles = [p.role for p in request.participants]
    if roles.count(ParticipantRole.REGISTRAR) != 1:
        raise Problem(422, "video.registrar_required", "a room has exactly one registrar")
    if ParticipantRole.APPLICANT not in roles:
        raise Problem(422, "video.applicant_required", "a room needs the applicant")
    if len({p.iin for p in request.participants}) != len(request.participants):
        raise Problem(422, "video.duplicate_participant", "each IIN may appear once in a room")
    key = hashlib.sha256(f"{request.case_ref}|{request.starts_at.isoformat()}".encode()).hexdigest()
    try:
        with session_scope(get_engine(), immediate=True) as session:
            existing = session.exec(select(Room).where(Room.schedule_key == key)).first()
            if existing is not None:
                return _room_view(session, existing)
            room = Room(
                case_ref=request.case_ref, schedule_key=key, starts_at=request.starts_at, scheduled_by=caller
            )
            session.add(room)
            for position, spec in enumerate(request.participants):
                session.add(
                    Participant(
                        room_id=room.id,
                        position=position,
                        iin=spec.iin,
                        role=spec.role,
                        name=spec.name,
                        spec=spec.model_dump(mode="json"),
                    )
                )
            session.flush()
            repo.append_event(session, room.id, "scheduled", by=caller, case_ref=request.case_ref)
            return _room_view(session, room)
    except IntegrityError:
        return room_view_by_key(key)  # a concurrent identical request won the race


def room_view_by_key(key: str) -> RoomView:
    with Session(get_engine()) as session:
        room = session.exec(select(Room).where(Room.schedule_key == key)).one()
        return _room_view(session, room)


def issue_invitation(room_id: str, iin: str) -> InvitationView:
    settings = get_settings()
    with Session(get_engine()) as session:
        room = repo.get_room(session, room_id)
        if room.state == "finished":
            raise Problem(409, "video.room_finished", "The room is finished")
        participant = session.exec(
            select(Participant).where(Participant.room_id == room_id, Participant.iin == iin)
        ).first()
        if participant is None:
            raise Problem(404, "video.participant_not_found", "This IIN is not invited to the room")
        claims = JoinClaims(room_id, participant.id, participant.iin, participant.role)
    token, expires_at = mint_join_token(get_service_key(), claims, settings.join_token_ttl_s)
    return InvitationView(
        room_id=room_id,
        iin=iin,
        role=ParticipantRole(claims.role),
        join_url=f"{settings.join_base_url}/join?token={token}",
        token=token,
        expires_at=expires_at,
    )


# -- EDS login and sessions ----------------------------------------------------------------------


def login_challenge(join_token: str) -> tuple[str, datetime]:
    """A single-use challenge for the invited participant to sign with their authentication key."""
    claims = read_join_token(get_service_key(), join_token)
    challenge = new_challenge()
    nonce = base64.b64encode(challenge).decode()
    expires_at = _now() + timedelta(seconds=get_settings().challenge_ttl_s)
    with session_scope(get_engine()) as session:
        session.add(LoginChallenge(nonce=nonce, participant_id=claims.participant_id, expires_at=expires_at))
    return nonce, expires_at


def login(join_token: str, nonce: str, cms_der: bytes) -> SessionView:
    """Check the signed challenge; the signer's IIN must be the invited participant's."""
    claims = read_join_token(get_service_key(), join_token)
    with session_scope(get_engine(), immediate=True) as session:
        challenge = session.get(LoginChallenge, nonce)
        if (
            challenge is None
            or challenge.used
            or challenge.participant_id != claims.participant_id
            or aware(challenge.expires_at) < _now()
        ):
            raise Problem(401, "video.challenge_invalid", "The login challenge is unknown, used or expired")
        challenge.used = True
    identity = login_identity(cms_der, base64.b64decode(nonce))
    if identity.iin != claims.iin:
        raise Problem(
            403, "video.login_wrong_person", "The certificate belongs to someone else than the invitee"
        )
    token = new_session_token()
    expires_at = _now() + timedelta(seconds=get_settings().session_ttl_s)
    with session_scope(get_engine(), immediate=True) as session:
        room = repo.get_room(session, claims.room_id)
        if room.state == "finished":
            raise Problem(409, "video.room_finished", "The room is finished")
        participant = repo.get_participant(session, claims.room_id, claims.participant_id)
        session.add(
            SessionRow(
                token_sha256=token_sha256(token),
                room_id=room.id,
                participant_id=participant.id,
                expires_at=expires_at,
            )
        )
        # The registrar runs the room; everyone else waits in the lobby until admitted.
        if participant.state in ("invited", "left"):
            participant.state = "admitted" if participant.role == ParticipantRole.REGISTRAR else "waiting"
        if room.state == "scheduled":
            room.state = "open"
        repo.append_event(session, room.id, "logged_in", participant.id, certificate_iin=identity.iin)
    return SessionView(
        session_token=token,
        room_id=claims.room_id,
        participant_id=claims.participant_id,
        role=ParticipantRole(claims.role),
        expires_at=expires_at,
    )


def authenticate(token: str) -> Actor:
    with Session(get_engine()) as session:
        row = session.get(SessionRow, token_sha256(token))
        if row is None or aware(row.expires_at) < _now():
            raise Problem(401, "video.session_invalid", "Log in again with your EDS")
        participant = repo.get_participant(session, row.room_id, row.participant_id)
        return Actor(row.room_id, participant.id, participant.role)


# -- lobby, connections, consent ------------------------------------------------------------------


def _open_room(session: Session, room_id: str) -> Room:
    room = repo.get_room(session, room_id)
    if room.state == "finished":
        raise Problem(409, "video.room_finished", "The room is finished")
    return room


def _require_registrar(actor: Actor) -> None:
    if not actor.is_registrar:
        raise Problem(403, "video.registrar_only", "Only the room's registrar may do this")


def admit(actor: Actor, participant_id: str) -> RoomView:
    _require_registrar(actor)
    with session_scope(get_engine(), immediate=True) as session:
        room = _open_room(session, actor.room_id)
        participant = repo.get_participant(session, room.id, participant_id)
        if participant.state != "waiting":
            raise Problem(
                409, "video.not_waiting", f"The participant is {participant.state}, not in the lobby"
            )
        participant.state = "admitted"
        repo.append_event(session, room.id, "admitted", participant.id, by=actor.participant_id)
        return _room_view(session, room)


def begin_connection(actor: Actor) -> tuple[int, list[str]]:
    """A new media connection (first join or rejoin): (its number, the room's participant order).

    Any earlier checklist stops counting: the registrar re-verifies after every (re)join.
    """
    with session_scope(get_engine(), immediate=True) as session:
        room = _open_room(session, actor.room_id)
        participant = repo.get_participant(session, room.id, actor.participant_id)
        if participant.state not in ("admitted", "connected", "left") or (
            participant.state == "left" and participant.connection == 0
        ):
            raise Problem(403, "video.not_admitted", "Wait in the lobby until the registrar admits you")
        participant.connection += 1
        participant.state = "connected"
        kind = "joined" if participant.connection == 1 else "rejoined"
        repo.append_event(session, room.id, kind, participant.id, connection=participant.connection)
        order = [p.id for p in repo.participants(session, room.id)]
        return participant.connection, order


def record_drop(room_id: str, participant_id: str, connection: int) -> None:
    with session_scope(get_engine(), immediate=True) as session:
        participant = repo.get_participant(session, room_id, participant_id)
        if participant.connection == connection and participant.state == "connected":
            participant.state = "left"
            repo.append_event(session, room_id, "dropped", participant_id, connection=connection)


def consent(actor: Actor) -> RoomView:
    """The participant's on-screen consent to the recording of the session."""
    with session_scope(get_engine(), immediate=True) as session:
        room = _open_room(session, actor.room_id)
        participant = repo.get_participant(session, room.id, actor.participant_id)
        if participant.consented_at is None:
            participant.consented_at = _now()
            repo.append_event(session, room.id, "consented", participant.id)
        return _room_view(session, room)


# -- the registrar's checklist --------------------------------------------------------------------


def record_check(actor: Actor, participant_id: str, data: ChecklistInput) -> ChecklistView:
    _require_registrar(actor)
    with session_scope(get_engine(), immediate=True) as session:
        room = _open_room(session, actor.room_id)
        participant = repo.get_participant(session, room.id, participant_id)
        if participant.role == ParticipantRole.REGISTRAR:
            raise Problem(422, "video.check_registrar", "The registrar does not check themselves")
        if participant.state != "connected":
            raise Problem(409, "video.not_connected", "Check a participant while they are connected on video")
        findings = Findings(
            identity_confirmed=data.identity_confirmed,
            legal_capacity_confirmed=data.legal_capacity_confirmed,
            free_will_confirmed=data.free_will_confirmed,
            document_number_seen=data.document_number_seen,
            spouse_present=data.spouse_present,
        )
        problems = evaluate(participant.role, participant.spec, findings)
        check = Check(
            room_id=room.id,
            participant_id=participant.id,
            connection=participant.connection,
            findings=data.model_dump(mode="json"),
            passed=not problems,
            problems=problems,
        )
        session.add(check)
        repo.append_event(
            session, room.id, "checked", participant.id, connection=participant.connection, problems=problems
        )
        session.flush()
        return checklist_view(participant, check)


def checklist_view(participant: Participant, check: Check) -> ChecklistView:
    findings = check.findings
    return ChecklistView(
        participant_id=participant.id,
        iin=participant.iin,
        role=ParticipantRole(participant.role),
        identity_confirmed=findings["identity_confirmed"],
        legal_capacity_confirmed=findings["legal_capacity_confirmed"],
        free_will_confirmed=findings["free_will_confirmed"],
        spouse_present=findings.get("spouse_present"),
        passed=check.passed,
        problems=list(check.problems),
        connection=check.connection,
        checked_at=aware(check.checked_at),
    )


# -- recordings ---------------------------------------------------------------------------------


def begin_recording(actor: Actor) -> tuple[str, Path]:
    """Refused (409 video.recording_consent_missing) until every participant consented on screen."""
    _require_registrar(actor)
    settings = get_settings()
    with session_scope(get_engine(), immediate=True) as session:
        room = _open_room(session, actor.room_id)
        missing = [p.id for p in repo.participants(session, room.id) if p.consented_at is None]
        if missing:
            raise Problem(
                409,
                "video.recording_consent_missing",
                "Every participant must consent to the recording on screen first",
                participants=missing,
            )
        if any(r.stopped_at is None for r in repo.recordings(session, room.id)):
            raise Problem(409, "video.recording_running", "The room is already being recorded")
        recording = Recording(room_id=room.id, path="")
        recording.path = f"{room.id}/{recording.id}.mp4"
        session.add(recording)
        repo.append_event(session, room.id, "recording_started", actor.participant_id, recording=recording.id)
        return recording.id, settings.recordings_dir / recording.path


def finish_recording(room_id: str, recording_id: str, sha256: str, size: int) -> RecordingView:
    with session_scope(get_engine(), immediate=True) as session:
        recording = session.get(Recording, recording_id)
        if recording is None or recording.room_id != room_id:
            raise Problem(404, "video.recording_not_found", "No such recording")
        recording.stopped_at, recording.sha256, recording.size = _now(), sha256, size
        repo.append_event(session, room_id, "recording_stopped", recording=recording_id, sha256=sha256)
        return recording_view(recording)


def abort_recording(room_id: str, recording_id: str) -> None:
    """The media side could not start: forget the row so the room is not stuck 'recording'."""
    with session_scope(get_engine(), immediate=True) as session:
        recording = session.get(Recording, recording_id)
        if recording is not None and recording.room_id == room_id and recording.stopped_at is None:
            session.delete(recording)
            repo.append_event(session, room_id, "recording_failed", recording=recording_id)
