"""Who is calling: a service (the registry gateway, with a service JWT) or a logged-in participant
(session token as a bearer token or the `vc_session` cookie)."""

from __future__ import annotations

from fastapi import Request

from common.problems import Problem
from common.service_auth import service_caller
from videoconf import service
from videoconf.config import get_settings
from videoconf.live import Hubs
from videoconf.service import Actor

__all__ = ["SESSION_COOKIE", "gateway", "hubs", "participant", "room_actor"]

SESSION_COOKIE = "vc_session"


gateway = service_caller("videoconf", get_settings, lambda s: s.gateway_services)


def participant(request: Request) -> Actor:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        raise Problem(401, "video.session_required", "Log in with your EDS first")
    return service.authenticate(token)


def room_actor(room_id: str, request: Request) -> Actor:
    actor = participant(request)
    if actor.room_id != room_id:
        raise Problem(403, "video.other_room", "Your session is for another room")
    return actor


def hubs(request: Request) -> Hubs:
    return request.app.state.hubs
