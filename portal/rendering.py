"""Jinja2 environment of the portal's pages and documents (kk / ru / en through Babel catalogues)."""

from __future__ import annotations

import hashlib
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import segno
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

__all__ = ["LANGUAGES", "environment", "qr_svg", "render", "render_lease_html", "translations"]

LANGUAGES = ("kk", "ru", "en")
_HERE = Path(__file__).parent


@cache
def translations(lang: str) -> NullTranslations:
    return Translations.load(str(_HERE / "locales"), [lang], domain="messages")


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = lang
    env.globals["languages"] = LANGUAGES
    return env


def render(template: str, lang: str = "ru", **context: Any) -> str:
    return environment(lang if lang in LANGUAGES else "ru").get_template(template).render(**context)


def qr_svg(text: str) -> Markup:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=3, xmldecl=False, svgns=True)
    return Markup(buffer.getvalue().decode())  # noqa: S704 — segno's own SVG, no user markup


def render_lease_html(content: bytes, verify_url: str, lang: str = "ru") -> str:
    """The human-readable lease: the same bytes' data, the hash, and a QR code for the verifier."""
    document = json.loads(content)
    return render(
        "lease.html",
        lang,
        doc=document,
        sha256=hashlib.sha256(content).hexdigest(),
        verify_url=verify_url,
        qr=qr_svg(verify_url),
    )
