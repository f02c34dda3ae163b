"""EDS login of an invited participant: sign the challenge with the authentication key."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from common.problems import Problem
from videoconf import service
from videoconf.api.deps import SESSION_COOKIE
from videoconf.schemas import SessionView

__all__ = ["router"]

router = APIRouter(prefix="/v1/login", tags=["login"])


class ChallengeRequest(BaseModel):
    token: str = Field(min_length=10, max_length=2000)


class ChallengeView(BaseModel):
    challenge_b64: str
    expires_at: datetime


class LoginRequest(BaseModel):
    token: str = Field(min_length=10, max_length=2000)
    challenge_b64: str = Field(min_length=8, max_length=200)
    cms_b64: str = Field(min_length=16, max_length=100_000)


def b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Problem(422, "request.base64_invalid", f"{what} is not base64") from None


@router.post("/challenge", summary="A single-use challenge for the invitee")
def challenge(body: ChallengeRequest) -> ChallengeView:
    nonce, expires_at = service.login_challenge(body.token)
    return ChallengeView(challenge_b64=nonce, expires_at=expires_at)


@router.post("", summary="Log in with the signed challenge; sets the session cookie")
def login(body: LoginRequest, response: Response) -> SessionView:
    view = service.login(body.token, body.challenge_b64, b64(body.cms_b64, "cms_b64"))
    response.set_cookie(
        SESSION_COOKIE, view.session_token, httponly=True, samesite="strict", max_age=4 * 3600, path="/"
    )
    return view
