"""Routes for the registry gateway (service JWT): schedule a room, invite, read the outcome."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Depends

from common.service_auth import CallerService
from videoconf import finishing, service
from videoconf.api.deps import gateway
from videoconf.schemas import InvitationRequest, InvitationView, OutcomeView, RoomView, ScheduleRoomRequest

__all__ = ["router"]

router = APIRouter(prefix="/v1/rooms", tags=["rooms"])


@router.post("", status_code=201, summary="Schedule the video check of a registration case")
def schedule(body: ScheduleRoomRequest, caller: CallerService = Depends(gateway)) -> RoomView:
    return service.schedule_room(body, caller.name)


@router.get("/{room_id}", summary="A room and its participants' states")
def room(room_id: str, _caller: CallerService = Depends(gateway)) -> RoomView:
    return service.room_view(room_id)


@router.post("/{room_id}/invitations", summary="A short-lived join link for one participant")
def invitation(
    room_id: str, body: InvitationRequest, _caller: CallerService = Depends(gateway)
) -> InvitationView:
    return service.issue_invitation(room_id, body.iin)


@router.get("/{room_id}/outcome", summary="The registrar's signed outcome (404 video.outcome_pending before)")
def outcome(room_id: str, _caller: CallerService = Depends(gateway)) -> OutcomeView:
    return finishing.outcome_view(room_id)


@router.get("/{room_id}/outcome/document", summary="The signed outcome document and its detached CMS")
def outcome_document(room_id: str, _caller: CallerService = Depends(gateway)) -> dict[str, Any]:
    document, cms = finishing.outcome_document_of(room_id)
    return {"document_b64": base64.b64encode(document).decode(), "cms_b64": base64.b64encode(cms).decode()}
