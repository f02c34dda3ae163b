"""The portal's pages in kk / ru / en: Babel catalogues in `portal/locale/<lang>/LC_MESSAGES/
messages.po`, compiled in memory at first use (common.i18n), one Jinja2 environment per language
with the filters the pages share (`common.i18n.page_environment`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations
from jinja2 import Environment

from common.i18n import LANGUAGES, load_translations, page_environment, pick_language

__all__ = ["LANGUAGES", "pick_lang", "render", "translate", "translations"]

_ROOT = Path(__file__).parent


@cache
def translations(lang: str) -> NullTranslations:
    return load_translations(_ROOT / "locale" / lang / "LC_MESSAGES" / "messages.po", lang)


def translate(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


@cache
def _environment(lang: str) -> Environment:
    return page_environment(_ROOT / "templates", translations(lang), lang)


def pick_lang(query: str | None, cookie: str | None) -> str:
    """`?lang=` first, then the language cookie, else Kazakh."""
    return pick_language(query, cookie, default="kk")


def render(template: str, lang: str, **context: Any) -> str:
    return _environment(lang).get_template(template).render(**context)
