"""Request dependencies: the signed-in user from a bearer token or the session cookie."""

from __future__ import annotations

from fastapi import Request

from common.problems import Problem
from portal.service.auth import User, user_for_token

__all__ = ["COOKIE", "current_user", "optional_user", "token_of"]

COOKIE = "rto_session"


def token_of(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return token
    return request.cookies.get(COOKIE)


def optional_user(request: Request) -> User | None:
    token = token_of(request)
    return user_for_token(token) if token else None


def current_user(request: Request) -> User:
    user = optional_user(request)
    if user is None:
        raise Problem(401, "auth.required", "log in with your EDS", headers={"WWW-Authenticate": "Bearer"})
    return user
