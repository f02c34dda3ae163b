"""Jinja2 pages of the videoconf service in kk / ru / en. Catalogues are the `.po` files under
`locales/`, compiled in memory at first use (no build step, no binary files in the tree)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = ["LANGUAGES", "pick_language", "render", "translations"]

LANGUAGES = ("kk", "ru", "en")
_HERE = Path(__file__).parent


@cache
def translations(lang: str) -> NullTranslations:
    path = _HERE / "locales" / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()  # English: the source strings
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


@cache
def _environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(lang=lang, languages=LANGUAGES)
    return env


def pick_language(query: str | None, accept: str) -> str:
    """?lang= first, then the browser's Accept-Language, else Russian."""
    if query in LANGUAGES:
        return query
    for part in accept.split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return "ru"


def render(template: str, lang: str, **context: Any) -> str:
    return _environment(lang).get_template(template).render(**context)
