"""Page translations: Babel gettext catalogues in consent/locale, read from the .po files at
start-up (no build step), one Jinja2 environment per language."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from babel.support import NullTranslations
from jinja2 import Environment

from common.i18n import LANGUAGES, load_translations, page_environment, pick_language

__all__ = ["LANGS", "environment", "pick_lang", "translate"]

LANGS = LANGUAGES
_ROOT = Path(str(files("consent")))


@cache
def _translations(lang: str) -> NullTranslations:
    return load_translations(_ROOT / "locale" / lang / "LC_MESSAGES" / "messages.po", lang)


@cache
def environment(lang: str) -> Environment:
    return page_environment(_ROOT / "templates", _translations(lang), lang)


def translate(lang: str, message: str) -> str:
    return _translations(lang).gettext(message)


def pick_lang(requested: str | None, fallback: str = "kk") -> str:
    return pick_language(requested, fallback)
