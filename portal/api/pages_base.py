"""What every portal page shares: the visitor's language (`?lang=`, then a cookie, else kk),
the EDS session (the API's own `rto_session` cookie, so a page's script can call the API),
the NCALayer address, and running a page action with its problem shown on the page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from common.problems import Problem
from portal.api.deps import optional_user
from portal.config import get_settings
from portal.i18n import LANGUAGES, pick_lang, render
from portal.service.auth import User

__all__ = [
    "LANG_COOKIE",
    "NCALAYER_COOKIE",
    "NCALAYER_DEFAULT",
    "act",
    "language",
    "login_redirect",
    "ncalayer_url",
    "page",
    "problem_page",
    "see_other",
]

LANG_COOKIE = "rto_lang"
NCALAYER_COOKIE = "rto_ncalayer"
NCALAYER_DEFAULT = "wss://127.0.0.1:13579"
# Only a local NCALayer (or `rto signer`) may be named: the page never signs through a remote host.
_LOCAL_NCALAYER = re.compile(r"^wss?://(127\.0\.0\.1|localhost):\d{1,5}/?$")


def language(request: Request) -> str:
    return pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def _ncalayer_override(request: Request) -> str | None:
    """`?ncalayer=ws://127.0.0.1:P` (remembered in a cookie) points the page at `rto signer`;
    development and tests only — production pages always use NCALayer's own address."""
    if get_settings().environment == "production":
        return None
    for candidate in (request.query_params.get("ncalayer"), request.cookies.get(NCALAYER_COOKIE)):
        if candidate and _LOCAL_NCALAYER.match(candidate):
            return candidate.rstrip("/")
    return None


def ncalayer_url(request: Request) -> str:
    return _ncalayer_override(request) or NCALAYER_DEFAULT


def page(
    request: Request,
    template: str,
    *,
    user: User | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page in the visitor's language; a `?lang=` or `?ncalayer=` choice is remembered."""
    lang = language(request)
    html = render(
        template,
        lang,
        user=user,
        here=request.url.path,
        ncalayer_url=ncalayer_url(request),
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", path="/")
    override = _ncalayer_override(request)
    if override and request.query_params.get("ncalayer"):
        response.set_cookie(NCALAYER_COOKIE, override, samesite="strict", path="/")
    return response


def problem_page(request: Request, problem: Problem, user: User | None = None) -> HTMLResponse:
    return page(request, "message.html", user=user, status=problem.status, problem=problem)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return see_other(f"/login?next={quote(target, safe='')}")


def act(
    request: Request,
    done_url: str,
    action: Callable[[User], object],
    again: Callable[[User, Problem], Response],
) -> Response:
    """Run a page action as the signed-in user: on success back to `done_url` (Post/Redirect/Get);
    on a problem the page again (`again`), with the problem shown and its status."""
    user = optional_user(request)
    if user is None:
        return see_other(f"/login?next={quote(done_url, safe='')}")
    try:
        result = action(user)
    except Problem as problem:
        try:
            return again(user, problem)
        except Problem as other:
            return problem_page(request, other, user)
    return result if isinstance(result, Response) else see_other(done_url)
