"""Synthetic identifiers for the stand-in registries: valid IINs and BINs, cadastral numbers
and 16-digit address registration codes (РКА). Deterministic for a given serial."""

from __future__ import annotations

import re
from datetime import date

from common.ids import check_digit

__all__ = ["CADASTRAL_PATTERN", "make_address_code", "make_bin", "make_cadastral_number", "make_iin"]

# Oblast:district:quarter:plot, then building and premises suffixes; separators kept, never over-constrained.
CADASTRAL_PATTERN = re.compile(r"^\d{2}:\d{3}:\d{3}:\d{1,5}(:\d{1,4}){0,2}$")

_CENTURY_SEX = {(1800, "M"): "1", (1800, "F"): "2", (1900, "M"): "3", (1900, "F"): "4"}
_CENTURY_SEX |= {(2000, "M"): "5", (2000, "F"): "6"}


def _complete(first11: str, serial: int, width: int) -> str:
    """Append the check digit, skipping serials that have none (they are never issued)."""
    while True:
        digits = first11[: 11 - width] + f"{serial % 10**width:0{width}d}"
        check = check_digit(digits)
        if check is not None:
            return digits + str(check)
        serial += 1


def make_iin(birth_date: date, sex: str, serial: int) -> str:
    century = birth_date.year // 100 * 100
    prefix = birth_date.strftime("%y%m%d") + _CENTURY_SEX[(century, sex)]
    return _complete(prefix + "0000", serial, 4)


def make_bin(registered: date, serial: int, kind: str = "4") -> str:
    """A resident legal entity's head-office BIN registered in that month."""
    prefix = registered.strftime("%y%m") + kind + "0"
    return _complete(prefix + "00000", serial, 5)


def make_cadastral_number(serial: int) -> str:
    # Astana (01), district 012, quarter 045: a plot per building, premises numbered within it.
    building, premises = divmod(serial, 100)
    return f"01:012:045:{100 + building}:1:{premises + 1}"


def make_address_code(serial: int) -> str:
    return f"0201{serial:012d}"
