"""Routes for the people in a room (EDS session): the room's live state, consent, the lobby,
WebRTC signalling, the registrar's checklist, recording and the signed outcome."""

from __future__ import annotations

from anyio import from_thread
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from common.problems import Problem
from videoconf import finishing, service
from videoconf.api.deps import hubs, room_actor
from videoconf.api.login import b64
from videoconf.config import get_settings
from videoconf.live import Hubs
from videoconf.media.hub import MediaError
from videoconf.schemas import (
    ChecklistInput,
    ChecklistView,
    OutcomeDraft,
    OutcomeDraftRequest,
    OutcomeSubmission,
    OutcomeView,
    RecordingView,
    RoomView,
)
from videoconf.service import Actor

__all__ = ["router"]

router = APIRouter(prefix="/v1/rooms/{room_id}", tags=["live"])


class LiveView(BaseModel):
    room: RoomView
    me: str
    role: str
    slots: list[str]  # the other participants, in the order of the offer's receive slots


class Offer(BaseModel):
    sdp: str = Field(min_length=10, max_length=100_000)
    type: str


class Answer(BaseModel):
    sdp: str
    type: str
    connection: int


@router.get("/live", summary="The room as the logged-in participant sees it")
def live(actor: Actor = Depends(room_actor)) -> LiveView:
    room = service.seen_by(service.room_view(actor.room_id), actor)
    order = [p.id for p in room.participants]
    return LiveView(
        room=room,
        me=actor.participant_id,
        role=actor.role,
        slots=[p for p in order if p != actor.participant_id],
    )


@router.post("/consent", summary="Consent, on screen, to the recording of the session")
def consent(actor: Actor = Depends(room_actor)) -> RoomView:
    return service.seen_by(service.consent(actor), actor)


@router.post(
    "/participants/{participant_id}/admit", summary="The registrar admits a participant from the lobby"
)
def admit(participant_id: str, actor: Actor = Depends(room_actor)) -> RoomView:
    return service.admit(actor, participant_id)


@router.post("/rtc", summary="WebRTC offer → answer; a new offer replaces the previous connection")
async def rtc(body: Offer, actor: Actor = Depends(room_actor), live: Hubs = Depends(hubs)) -> Answer:
    connection, order = service.begin_connection(actor)
    hub = live.get(actor.room_id, order)
    try:
        answer = await hub.connect(actor.participant_id, connection, body.sdp, body.type)
    except MediaError as exc:
        service.record_drop(actor.room_id, actor.participant_id, connection)
        raise Problem(422, exc.code, str(exc)) from None
    return Answer(sdp=answer.sdp, type=answer.type, connection=connection)


@router.put("/participants/{participant_id}/checklist", summary="The registrar's checklist for a participant")
def checklist(participant_id: str, body: ChecklistInput, actor: Actor = Depends(room_actor)) -> ChecklistView:
    return service.record_check(actor, participant_id, body)


@router.post("/recording/start", status_code=201, summary="Start recording (every participant consented)")
async def start_recording(actor: Actor = Depends(room_actor), live: Hubs = Depends(hubs)) -> RoomView:
    recording_id, path = service.begin_recording(actor)
    room = service.room_view(actor.room_id)
    hub = live.get(actor.room_id, [p.id for p in room.participants])
    try:
        hub.start_recording(path, get_settings().recording_preset)
    except (MediaError, OSError) as exc:
        service.abort_recording(actor.room_id, recording_id)
        raise Problem(503, "video.recording_failed", f"The recorder could not start: {exc}") from None
    return room


@router.post("/recording/stop", summary="Stop recording; the file's SHA-256 joins the evidence")
async def stop_recording(actor: Actor = Depends(room_actor), live: Hubs = Depends(hubs)) -> RecordingView:
    if not actor.is_registrar:
        raise Problem(403, "video.registrar_only", "Only the room's registrar may do this")
    running = [r for r in service.room_view(actor.room_id).recordings if r.stopped_at is None]
    hub = live.existing(actor.room_id)
    if not running:
        raise Problem(409, "video.recording_not_running", "The room is not being recorded")
    if hub is None or not hub.recording:
        # The recorder went with a restarted server: release the room instead of holding it.
        service.abort_recording(actor.room_id, running[-1].id)
        raise Problem(409, "video.recording_lost", "The recording stopped with the server; start a new one")
    sha256, size = await hub.stop_recording()
    return service.finish_recording(actor.room_id, running[-1].id, sha256, size)


@router.post("/outcome/draft", summary="The outcome document for the registrar to sign")
def draft(body: OutcomeDraftRequest, actor: Actor = Depends(room_actor)) -> OutcomeDraft:
    return finishing.draft_outcome(actor, body)


@router.post("/outcome", status_code=201, summary="Submit the registrar's detached CMS over the draft")
def submit(
    body: OutcomeSubmission, actor: Actor = Depends(room_actor), live: Hubs = Depends(hubs)
) -> OutcomeView:
    # Sync route: validating the CMS (path building, revocation) must not stall the media loop.
    view = finishing.submit_outcome(actor, body.sha256, b64(body.cms_b64, "cms_b64"))
    from_thread.run(live.close, actor.room_id)  # the check is over: hang up everyone
    return view
