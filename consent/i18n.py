"""Page translations: Babel gettext catalogues in consent/locale, read from the .po files at
start-up (no build step), one Jinja2 environment per language."""

from __future__ import annotations

import io
from functools import cache
from importlib.resources import files
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = ["LANGS", "environment", "pick_lang", "translate"]

LANGS = ("kk", "ru", "en")
_ROOT = Path(str(files("consent")))


@cache
def _translations(lang: str) -> Translations:
    po = _ROOT / "locale" / lang / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(_ROOT / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(_translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def translate(lang: str, message: str) -> str:
    return _translations(lang).gettext(message)


def pick_lang(requested: str | None, fallback: str = "kk") -> str:
    return requested if requested in LANGS else (fallback if fallback in LANGS else "kk")
