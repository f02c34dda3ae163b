"""Finishing a room: the outcome document the registrar signs, the signed outcome, and its
`video.verified` chain entry (through the outbox, after commit, so a chain outage loses
nothing; the entry's index is stored back once the append succeeds)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import orjson
from sqlmodel import Session

from common.db import session_scope
from common.outbox import add_message, after_commit
from common.problems import Problem
from videoconf import repository as repo
from videoconf.db import get_engine
from videoconf.domain.checklist import approval_blockers, rejection_problems
from videoconf.domain.outcome import outcome_document
from videoconf.eds import check_registrar_signature
from videoconf.models import Outbox, Outcome, OutcomeDraftRow, Room
from videoconf.outbox import CHAIN_TOPIC, kick
from videoconf.schemas import Decision, OutcomeDraft, OutcomeDraftRequest, OutcomeView
from videoconf.service import Actor, aware, checklist_view, participant_states, recording_view

__all__ = [
    "draft_outcome",
    "outcome_document_of",
    "outcome_view",
    "submit_outcome",
]


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _document(session: Session, room: Room, request: OutcomeDraftRequest) -> bytes:
    people = repo.participants(session, room.id)
    checks = repo.latest_checks(session, room.id)
    registrar = next(p for p in people if p.role == "registrar")
    recordings = [r for r in repo.recordings(session, room.id) if r.sha256]
    journal = repo.events(session, room.id)
    participants = []
    for p in people:
        if p.role == "registrar":
            continue
        check = checks.get(p.id)
        participants.append(
            {
                "role": p.role,
                "iin": p.iin,
                "name": p.name,
                "connections": p.connection,
                "consented_at": _iso(p.consented_at) if p.consented_at else "",
                "checked_connection": check.connection if check else 0,
                "findings": check.findings if check else {},
                "problems": check.problems if check else ["not_checked"],
            }
        )
    return outcome_document(
        room={"id": room.id, "case_ref": room.case_ref, "starts_at": _iso(room.starts_at)},
        decision=request.decision,
        reasons=request.reasons,
        comment=request.comment,
        registrar={"iin": registrar.iin, "name": registrar.name},
        participants=participants,
        recordings=[
            {
                "sha256": r.sha256,
                "size": r.size,
                "started_at": _iso(r.started_at),
                "stopped_at": _iso(r.stopped_at),
            }
            for r in recordings
        ],
        journal_head=journal[-1].hash if journal else "",
        decided_at=_iso(datetime.now(UTC).replace(microsecond=0)),
    )


def draft_outcome(actor: Actor, request: OutcomeDraftRequest) -> OutcomeDraft:
    """The exact bytes the registrar signs next; approval needs every party verified and a recording."""
    if not actor.is_registrar:
        raise Problem(403, "video.registrar_only", "Only the room's registrar may finish the room")
    with session_scope(get_engine(), immediate=True) as session:
        room = repo.get_room(session, actor.room_id)
        if room.state == "finished":
            raise Problem(409, "video.room_finished", "The room is already finished")
        recordings = repo.recordings(session, room.id)
        if any(r.stopped_at is None for r in recordings):
            raise Problem(409, "video.recording_running", "Stop the recording before finishing")
        if request.decision == Decision.APPROVED:
            if request.reasons:
                raise Problem(422, "video.reasons_on_approval", "An approval carries no rejection reasons")
            blockers = approval_blockers(participant_states(session, room.id), recorded=bool(recordings))
            if blockers:
                raise Problem(
                    409, "video.cannot_approve", "The room cannot be approved yet", blockers=blockers
                )
        elif problems := rejection_problems(request.reasons):
            raise Problem(
                422, "video.reasons_invalid", "A rejection needs known reason codes", problems=problems
            )
        document = _document(session, room, request)
        digest = hashlib.sha256(document).hexdigest()
        draft = session.get(OutcomeDraftRow, room.id)
        if draft is None:
            session.add(OutcomeDraftRow(room_id=room.id, document=document, sha256=digest))
        else:
            draft.document, draft.sha256, draft.created_at = document, digest, datetime.now(UTC)
        repo.append_event(session, room.id, "outcome_drafted", actor.participant_id, sha256=digest)
    return OutcomeDraft(document_b64=base64.b64encode(document).decode(), sha256=digest)


def submit_outcome(actor: Actor, sha256: str, cms_der: bytes) -> OutcomeView:
    """Accept the registrar's detached CMS over the drafted document and finish the room."""
    if not actor.is_registrar:
        raise Problem(403, "video.registrar_only", "Only the room's registrar may finish the room")
    with Session(get_engine()) as session:
        draft = session.get(OutcomeDraftRow, actor.room_id)
        registrar = repo.get_participant(session, actor.room_id, actor.participant_id)
        if draft is None or draft.sha256 != sha256:
            raise Problem(
                409, "video.outcome_draft_mismatch", "Sign the latest outcome document the server gave"
            )
        document = draft.document
    check_registrar_signature(document, cms_der, registrar.iin, registrar.spec.get("bin"))
    with session_scope(get_engine(), immediate=True) as session:
        room = repo.get_room(session, actor.room_id)
        if room.state == "finished":
            raise Problem(409, "video.room_finished", "The room is already finished")
        current = session.get(OutcomeDraftRow, room.id)
        if current is None or current.sha256 != sha256:
            raise Problem(409, "video.outcome_draft_mismatch", "The outcome document changed meanwhile")
        # The draft states the room as it was: a rejoin, a check or a recording since then makes
        # it stale (a rejoined party is unverified again; a new recording would be left out).
        last = repo.last_event(session, room.id)
        if last is None or last.kind != "outcome_drafted" or last.data.get("sha256") != sha256:
            raise Problem(
                409,
                "video.room_changed",
                "The room changed after the outcome was drafted: draft it again",
                since=last.kind if last else None,
            )
        decision = orjson.loads(document)["decision"]
        outcome = Outcome(
            room_id=room.id,
            decision=decision,
            document=document,
            sha256=sha256,
            cms=cms_der,
            cms_sha256=hashlib.sha256(cms_der).hexdigest(),
            signed_by_iin=registrar.iin,
        )
        session.add(outcome)
        room.state, room.finished_at = "finished", outcome.finished_at
        repo.append_event(
            session, room.id, "finished", actor.participant_id, decision=decision, sha256=sha256
        )
        recordings = [r.sha256 for r in repo.recordings(session, room.id) if r.sha256]
        message = add_message(
            session,
            Outbox,
            CHAIN_TOPIC,
            {
                "room_id": room.id,
                "case_ref": room.case_ref,
                "doc_sha256": sha256,
                "cms_sha256": outcome.cms_sha256,
                "recordings": recordings,
                "submitted_at": _iso(outcome.finished_at),
            },
        )
        after_commit(session, lambda: kick(message.id))
    return outcome_view(room.id)


def outcome_view(room_id: str) -> OutcomeView:
    with Session(get_engine()) as session:
        room = repo.get_room(session, room_id)
        outcome = repo.outcome(session, room_id)
        if outcome is None:
            raise Problem(404, "video.outcome_pending", "The room has no signed outcome yet")
        document = orjson.loads(outcome.document)
        people = {p.id: p for p in repo.participants(session, room_id)}
        checks = repo.latest_checks(session, room_id)
        recordings = [r for r in repo.recordings(session, room_id) if r.sha256]
        return OutcomeView(
            room_id=room.id,
            case_ref=room.case_ref,
            status=Decision(outcome.decision),
            reasons=document["reasons"],
            comment=document["comment"] or None,
            checklist=[checklist_view(people[pid], check) for pid, check in checks.items()],
            recording_sha256=recordings[-1].sha256 if recordings else None,
            recordings=[recording_view(r) for r in recordings],
            outcome_sha256=outcome.sha256,
            cms_sha256=outcome.cms_sha256,
            chain_index=outcome.chain_index,
            signed_by_iin=outcome.signed_by_iin,
            finished_at=aware(outcome.finished_at),
        )


def outcome_document_of(room_id: str) -> tuple[bytes, bytes]:
    with Session(get_engine()) as session:
        repo.get_room(session, room_id)
        outcome = repo.outcome(session, room_id)
        if outcome is None:
            raise Problem(404, "video.outcome_pending", "The room has no signed outcome yet")
        return outcome.document, outcome.cms
