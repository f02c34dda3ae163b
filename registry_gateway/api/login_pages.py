"""The registrar's EDS login (authentication key, via NCALayer or a pasted CMS) and the session
every registrar page and page action requires. Only IINs in REGISTRY_GATEWAY_REGISTRAR_IINS get a
session, and the list is re-read on every request, so removing an IIN ends its access."""

from __future__ import annotations

import base64
import binascii
from functools import cache
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from common.eds import CaRevocation, TrustAnchors
from common.page_login import PageLogin
from common.problems import Problem
from registry_gateway.config import get_service_key, get_settings
from registry_gateway.i18n import LANGS, pick_lang, render
from registry_gateway.signatures import get_ca

__all__ = [
    "LANG_COOKIE",
    "SESSION_COOKIE",
    "html_page",
    "language",
    "login_redirect",
    "registrar_iin",
    "router",
]

SESSION_COOKIE = "rg_registrar"
LANG_COOKIE = "rg_lang"

router = APIRouter(include_in_schema=False)  # included by pages.router under /registrar


@cache
def _login() -> PageLogin:
    return PageLogin(get_service_key(), "registrar")


def language(request: Request) -> str:
    return pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def registrar_iin(request: Request) -> str | None:
    """The logged-in registrar's IIN, or None (no session, expired, or no longer a registrar)."""
    iin = _login().session_iin(request.cookies.get(SESSION_COOKIE))
    return iin if iin in get_settings().registrar_iins else None


def _safe_next(target: str) -> str:
    # Only back into the registrar's own pages: never an open redirect.
    return target if target.startswith("/registrar") and "//" not in target else "/registrar"


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/registrar/login?next={quote(target, safe='')}", status_code=303)


def html_page(
    request: Request, template: str, *, status: int = 200, here: str | None = None, **context: Any
) -> HTMLResponse:
    """A page in the visitor's language; `?lang=` is remembered in a cookie."""
    lang = language(request)
    html = render(
        template, lang, here=here or request.url.path, registrar_iin=registrar_iin(request), **context
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


def _login_page(request: Request, next_url: str, problem: Problem | None = None) -> HTMLResponse:
    next_url = _safe_next(next_url)
    return html_page(
        request,
        "login.html",
        status=problem.status if problem else 200,
        here=f"/registrar/login?next={quote(next_url, safe='')}",
        challenge=_login().challenge(),
        next_url=next_url,
        problem=problem,
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/registrar") -> HTMLResponse:
    return _login_page(request, next)


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=2000)],
    cms_b64: Annotated[str, Form(max_length=100_000)],
    next: Annotated[str, Form(max_length=500)] = "/registrar",
) -> Response:
    try:
        try:
            cms = base64.b64decode("".join(cms_b64.split()), validate=True)
        except (binascii.Error, ValueError):
            raise Problem(422, "registrar.bad_base64", "The signature is not base64") from None
        ca = get_ca()
        identity = _login().verify(token, cms, TrustAnchors.from_ca(ca), CaRevocation(ca))
        if identity.iin not in get_settings().registrar_iins:
            raise Problem(403, "registrar.not_a_registrar", f"{identity.iin} is not a registrar")
    except Problem as problem:
        return _login_page(request, next, problem)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        _login().session_token(identity.iin),
        max_age=_login().session_ttl_s,
        httponly=True,
        samesite="strict",  # with POST-only actions this keeps other sites from acting as the registrar
        secure=get_settings().environment == "production",
        path="/registrar",
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/registrar/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/registrar")
    return response
