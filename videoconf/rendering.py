"""Jinja2 pages of the videoconf service in kk / ru / en. Catalogues are the `.po` files under
`locales/`, compiled in memory at first use (no build step, no binary files in the tree)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations
from jinja2 import Environment

from common.i18n import LANGUAGES, load_translations, page_environment
from common.i18n import pick_language as _pick

__all__ = ["LANGUAGES", "pick_language", "render", "translations"]

_HERE = Path(__file__).parent


@cache
def translations(lang: str) -> NullTranslations:
    return load_translations(_HERE / "locales" / lang / "LC_MESSAGES" / "messages.po", lang)


@cache
def _environment(lang: str) -> Environment:
    return page_environment(_HERE / "templates", translations(lang), lang)


def pick_language(query: str | None, accept: str) -> str:
    """?lang= first, then the browser's Accept-Language, else Russian."""
    return _pick(query, accept_language=accept, default="ru")


def render(template: str, lang: str, **context: Any) -> str:
    return _environment(lang).get_template(template).render(**context)
