"""EDS login: a challenge, the CMS over it made with the authentication key, a session."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from portal.api.deps import COOKIE, current_user, token_of
from portal.config import get_settings
from portal.schemas import ChallengeOut, LoginIn, SessionOut
from portal.service import auth, views
from portal.service.auth import User

router = APIRouter(prefix="/v1", tags=["auth"])


@router.post(
    "/auth/challenge", response_model=ChallengeOut, summary="A single-use login challenge (5 minutes)"
)
def challenge() -> dict[str, str]:
    return auth.issue_challenge()


@router.post(
    "/auth/login", response_model=SessionOut, summary="Log in with a CMS made by the authentication key"
)
def login(body: LoginIn, response: Response) -> SessionOut:
    token, user = auth.log_in(body.challenge_id, body.cms)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=get_settings().public_base_url.startswith("https"),
        max_age=get_settings().session_hours * 3600,
    )
    return SessionOut(token=token, iin=user.iin, bin=user.bin, name=user.name, roles=sorted(user.roles))


@router.post("/auth/logout", status_code=204, summary="End the session")
def logout(request: Request, response: Response) -> None:
    token = token_of(request)
    if token:
        auth.log_out(token)
    response.delete_cookie(COOKIE)


@router.get("/me", summary="Who is signed in, with their cabinet notices")
def me(user: User = Depends(current_user)) -> dict[str, Any]:
    return {
        "iin": user.iin,
        "bin": user.bin,
        "name": user.name,
        "roles": sorted(user.roles),
        "notices": views.notices(user),
    }


@router.post("/me/notices/{notice_id}/read", summary="Confirm receipt of a notice (its date is kept)")
def read_notice(notice_id: str, user: User = Depends(current_user)) -> dict[str, str]:
    return auth.mark_notice_read(notice_id, user)
