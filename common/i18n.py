"""Pages in Kazakh, Russian and English: Babel gettext catalogues (`<pkg>/locale/<lang>/LC_MESSAGES/
messages.po`) compiled in memory at first use — no build step, no binary files in the tree — and
one Jinja2 environment per language with the i18n extension installed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = ["LANGUAGES", "load_translations", "page_environment", "pick_language"]

LANGUAGES = ("kk", "ru", "en")


def load_translations(po_file: Path, lang: str) -> NullTranslations:
    """The catalogue of one language; a missing file means the source strings (English)."""
    if not po_file.exists():
        return NullTranslations()
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def page_environment(templates: Path, translations: NullTranslations, **globals_: Any) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(globals_)
    return env


def pick_language(*candidates: str | None, accept_language: str = "", default: str = "kk") -> str:
    """The first supported choice among explicit ones (?lang=, cookie), then Accept-Language."""
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    for part in accept_language.split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return default
