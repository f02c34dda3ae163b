"""The portal's pages (server-rendered, kk / ru / en): home, EDS login and logout, and the
routers of the applicant's, guarantor's, officer's and public pages. A page signs through
NCALayer in the browser and posts the finished CMS to the JSON API; other page actions are
plain forms handled here with the same service functions the API calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from common.problems import Problem
from portal.api import pages_applicant, pages_guarantor, pages_officer, pages_public
from portal.api.deps import COOKIE, optional_user, token_of
from portal.api.pages_base import page, see_other
from portal.config import get_settings
from portal.service import auth
from portal.service.auth import User

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
for _pages in (pages_applicant, pages_guarantor, pages_officer, pages_public):
    router.include_router(_pages.router)


def _safe_next(target: str) -> str:
    # Only back into the portal's own pages: never an open redirect.
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else ""


def _landing(user: User) -> str:
    return "/officer" if user.has("officer", "head") else "/cabinet"


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return page(request, "home.html", user=optional_user(request))


def _login_page(request: Request, next_url: str, problem: Problem | None = None) -> HTMLResponse:
    return page(
        request,
        "login.html",
        status=problem.status if problem else 200,
        challenge=auth.issue_challenge(),
        next_url=_safe_next(next_url),
        problem=problem,
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "") -> Response:
    return _login_page(request, next)


@router.post("/login")
def login(
    request: Request,
    challenge_id: Annotated[str, Form(max_length=64)],
    cms: Annotated[str, Form(max_length=200_000)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The challenge signed with the authentication key (by NCALayer, or pasted) → a session."""
    try:
        if not cms.strip():
            raise Problem(422, "auth.cms_required", "sign the challenge with your EDS")
        token, user = auth.log_in(challenge_id, cms)
    except Problem as problem:
        return _login_page(request, next, problem)
    settings = get_settings()
    response = see_other(_safe_next(next) or _landing(user))
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.public_base_url.startswith("https"),
        max_age=settings.session_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    token = token_of(request)
    if token:
        auth.log_out(token)
    response = see_other("/")
    response.delete_cookie(COOKIE)
    return response
