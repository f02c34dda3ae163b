"""The portal's pages in kk / ru / en: Babel catalogues in `portal/locale/<lang>/LC_MESSAGES/
messages.po`, compiled in memory at first use (common.i18n), one Jinja2 environment per language
with the filters the pages share (money, dates in Almaty time, pretty JSON)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.support import NullTranslations
from jinja2 import Environment

from common.calendar import ALMATY
from common.i18n import LANGUAGES, load_translations, page_environment, pick_language

__all__ = ["LANGUAGES", "pick_lang", "render", "translate", "translations"]

_ROOT = Path(__file__).parent


@cache
def translations(lang: str) -> NullTranslations:
    return load_translations(_ROOT / "locale" / lang / "LC_MESSAGES" / "messages.po", lang)


def translate(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


def _money(lang: str):
    def fmt(value: Any) -> str:
        if value in (None, ""):
            return ""
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        return format_decimal(amount, "#,##0.00", locale=lang)

    return fmt


def _moment(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _local_time(lang: str):
    def fmt(value: Any) -> str:
        # Deadlines run on Kazakhstan working days: shown in Almaty time, in the page's language.
        moment = _moment(value)
        return "" if moment is None else format_datetime(moment, "d MMM y, HH:mm", tzinfo=ALMATY, locale=lang)

    return fmt


def _local_date(lang: str):
    def fmt(value: Any) -> str:
        if value in (None, ""):
            return ""
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        return format_date(day, "d MMM y", locale=lang)

    return fmt


@cache
def _environment(lang: str) -> Environment:
    env = page_environment(_ROOT / "templates", translations(lang), lang=lang, languages=LANGUAGES)
    env.filters.update(
        money=_money(lang),
        local_time=_local_time(lang),
        local_date=_local_date(lang),
        pretty=lambda value: json.dumps(value, ensure_ascii=False, indent=2, default=str),
    )
    return env


def pick_lang(query: str | None, cookie: str | None) -> str:
    """`?lang=` first, then the language cookie, else Kazakh."""
    return pick_language(query, cookie, default="kk")


def render(template: str, lang: str, **context: Any) -> str:
    return _environment(lang).get_template(template).render(**context)
