"""Pages in Kazakh, Russian and English: Babel gettext catalogues (`<pkg>/locale/<lang>/LC_MESSAGES/
messages.po`) compiled in memory at first use — no build step, no binary files in the tree — and
one Jinja2 environment per language with the i18n extension and the filters every service's pages
share: `money`, `local_time` (Almaty time), `local_date`, `pretty` (JSON)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

from common.calendar import ALMATY

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


def page_environment(
    templates: Path, translations: NullTranslations, lang: str = "kk", **globals_: Any
) -> Environment:
    """A page environment in `lang`; `lang` and `languages` are globals, `globals_` more of them."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        money=_money(lang),
        local_time=_local_time(lang),
        local_date=_local_date(lang),
        pretty=lambda value: json.dumps(value, ensure_ascii=False, indent=2, default=str),
    )
    env.globals.update(lang=lang, languages=LANGUAGES, **globals_)
    return env


def _money(lang: str) -> Callable[[Any], str]:
    def fmt(value: Any) -> str:
        if value in (None, ""):
            return ""
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        return format_decimal(amount, "#,##0.00", locale=lang)

    return fmt


def _local_time(lang: str) -> Callable[[Any], str]:
    def fmt(value: Any) -> str:
        # Deadlines run on Kazakhstan working days: shown in Almaty time, in the page's language.
        if value in (None, ""):
            return ""
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return format_datetime(moment, "d MMM y, HH:mm", tzinfo=ALMATY, locale=lang)

    return fmt


def _local_date(lang: str) -> Callable[[Any], str]:
    def fmt(value: Any) -> str:
        if value in (None, ""):
            return ""
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        return format_date(day, "d MMM y", locale=lang)

    return fmt


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
