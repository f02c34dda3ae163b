"""The registrar's pages in kk / ru / en: Babel gettext catalogues in registry_gateway/locale,
compiled in memory at first use (no build step), one Jinja2 environment per language."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations
from jinja2 import Environment

from common.i18n import LANGUAGES, load_translations, page_environment, pick_language
from registry_gateway.domain.grounds import REFUSAL_GROUNDS, SUSPENSION_GROUNDS

__all__ = ["LANGS", "pick_lang", "render", "translate"]

LANGS = LANGUAGES
_ROOT = Path(__file__).parent


@cache
def _translations(lang: str) -> NullTranslations:
    return load_translations(_ROOT / "locale" / lang / "LC_MESSAGES" / "messages.po", lang)


def translate(lang: str, message: str) -> str:
    return _translations(lang).gettext(message)


@cache
def _environment(lang: str) -> Environment:
    env = page_environment(_ROOT / "templates", _translations(lang), lang)
    env.globals.update(
        suspension_grounds=[(g.code, g.text[lang]) for g in SUSPENSION_GROUNDS.values()],
        refusal_grounds=[(g.code, g.text[lang]) for g in REFUSAL_GROUNDS.values()],
        ground_texts={
            g.code: g.text[lang] for g in (*SUSPENSION_GROUNDS.values(), *REFUSAL_GROUNDS.values())
        },
    )
    return env


def pick_lang(query: str | None, cookie: str | None) -> str:
    """`?lang=` first, then the language cookie, else Kazakh."""
    return pick_language(query, cookie)


def render(template: str, lang: str, **context: Any) -> str:
    return _environment(lang).get_template(template).render(**context)
