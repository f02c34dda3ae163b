"""The akimat's list of eligible recipients (§6): parsed and validated row by row.

A list is CSV (header `iin,category,phone`) or JSON (an array of objects with those keys, or
`{"rows": [...]}`). Every row is checked on its own, so one bad row never hides the others:
the officer gets every problem with its row number, field and a stable code, and the valid
rows can be loaded.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from common.ids import InvalidIdentifier, parse_iin

__all__ = ["Category", "ListRow", "ParsedList", "RowError", "normalise_phone", "parse_list"]

MAX_ROWS = 10_000


class Category(StrEnum):
    """Eligible categories of §5."""

    SOCIALLY_VULNERABLE = "socially_vulnerable"
    BUDGET_EMPLOYEE = "budget_employee"
    CITY_FORMING_EMPLOYEE = "city_forming_employee"


@dataclass(frozen=True, slots=True)
class ListRow:
    row: int
    iin: str
    category: Category
    phone: str


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    field: str
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class ParsedList:
    rows: tuple[ListRow, ...]
    errors: tuple[RowError, ...]


class ListFormatError(ValueError):
    """The file as a whole cannot be read (not CSV/JSON, missing columns, too many rows)."""


__all__ += ["MAX_ROWS", "ListFormatError"]


_PHONE_CHARACTERS = frozenset("0123456789+()-.")


def normalise_phone(text: str) -> str | None:
    """A Kazakhstan mobile number as +7XXXXXXXXXX, or None when it is not one."""
    # "²" and "٧" pass str.isdigit(): refuse anything but digits, spacing and punctuation
    if any(ch not in _PHONE_CHARACTERS and not ch.isspace() for ch in text):
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    # mobile operators' codes are 70x, 74x–77x; 71x–73x are landlines, which take no SMS
    if len(digits) != 10 or digits[0] != "7" or digits[1] not in "04567":
        return None
    return "+7" + digits


def _records(data: bytes, media_type: str) -> list[dict[str, Any]]:
    text = data.decode("utf-8-sig")
    if "json" in media_type or text.lstrip().startswith(("[", "{")):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ListFormatError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
        if isinstance(loaded, dict):
            loaded = loaded.get("rows")
        if not isinstance(loaded, list):
            raise ListFormatError('JSON must be an array of rows or {"rows": [...]}')
        return [item if isinstance(item, dict) else {} for item in loaded]
    reader = csv.DictReader(io.StringIO(text))
    missing = {"iin", "category", "phone"} - {name.strip().lower() for name in reader.fieldnames or []}
    if missing:
        raise ListFormatError(f"CSV header lacks: {', '.join(sorted(missing))}")
    return [{(k or "").strip().lower(): v for k, v in row.items()} for row in reader]


def parse_list(data: bytes, media_type: str = "text/csv", *, today: date | None = None) -> ParsedList:
    records = _records(data, media_type)
    if len(records) > MAX_ROWS:
        raise ListFormatError(f"a list holds at most {MAX_ROWS} rows")
    rows: list[ListRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        row_errors: list[RowError] = []
        iin_text = str(record.get("iin") or "").strip()
        try:
            iin = parse_iin(iin_text, today=today).value
        except InvalidIdentifier as exc:
            iin = ""
            row_errors.append(RowError(number, "iin", exc.code, str(exc)))
        if iin and iin in seen:
            row_errors.append(
                RowError(number, "iin", "list.duplicate", f"IIN already on row {seen[iin]} of this list")
            )
        category_text = str(record.get("category") or "").strip().lower()
        try:
            category = Category(category_text)
        except ValueError:
            category = None
            allowed = ", ".join(c.value for c in Category)
            row_errors.append(
                RowError(number, "category", "list.category", f"category must be one of: {allowed}")
            )
        phone = normalise_phone(str(record.get("phone") or ""))
        if phone is None:
            row_errors.append(
                RowError(number, "phone", "list.phone", "phone must be a Kazakhstan mobile number")
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        assert category is not None
        assert phone is not None
        seen[iin] = number
        rows.append(ListRow(number, iin, category, phone))
    return ParsedList(tuple(rows), tuple(errors))
