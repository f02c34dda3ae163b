"""Pages: the invitee's EDS login, and the room (participant view or registrar's console)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from common.problems import Problem
from videoconf import service
from videoconf.api.deps import participant
from videoconf.config import get_service_key
from videoconf.rendering import pick_language, render
from videoconf.tokens import read_join_token

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _lang(request: Request) -> str:
    return pick_language(request.query_params.get("lang"), request.headers.get("accept-language", ""))


@router.get("/join", response_class=HTMLResponse)
def join_page(request: Request, token: str = "") -> HTMLResponse:
    lang = _lang(request)
    try:
        claims = read_join_token(get_service_key(), token)
    except Problem as problem:
        return HTMLResponse(render("message.html", lang, code=problem.code), status_code=problem.status)
    return HTMLResponse(render("join.html", lang, token=token, room_id=claims.room_id, role=claims.role))


@router.get("/rooms/{room_id}", response_class=HTMLResponse)
def room_page(room_id: str, request: Request) -> HTMLResponse:
    lang = _lang(request)
    try:
        actor = participant(request)
        if actor.room_id != room_id:
            raise Problem(403, "video.other_room", "Your session is for another room")
        room = service.seen_by(service.room_view(room_id), actor)
    except Problem as problem:
        return HTMLResponse(render("message.html", lang, code=problem.code), status_code=problem.status)
    return HTMLResponse(render("room.html", lang, room=room, me=actor.participant_id, role=actor.role))
