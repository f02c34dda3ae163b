"""Kazakhstan's individual and business identification numbers (IIN, BIN).

Both are 12 digits ending in a check digit computed with weights 1..11 mod 11, or, when that
gives 10, weights 3..11,1,2; a number whose second pass also gives 10 is never issued.
An IIN starts with the birth date (YYMMDD) and a century/sex digit; a BIN starts with the
year and month of registration and a digit for the kind of entity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "Bin",
    "BinKind",
    "Iin",
    "InvalidIdentifier",
    "Sex",
    "check_digit",
    "is_valid_bin",
    "is_valid_iin",
    "make_bin",
    "make_iin",
    "parse_bin",
    "parse_iin",
]

_WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

# 7th IIN digit -> (century start, sex)
_CENTURY_SEX = {
    "1": (1800, "M"),
    "2": (1800, "F"),
    "3": (1900, "M"),
    "4": (1900, "F"),
    "5": (2000, "M"),
    "6": (2000, "F"),
}


class InvalidIdentifier(ValueError):
    """The text is not a valid IIN or BIN; `code` is a stable machine-readable reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


class BinKind(StrEnum):
    RESIDENT_ENTITY = "4"
    NON_RESIDENT_ENTITY = "5"
    JOINT_ENTREPRENEURSHIP = "6"


def check_digit(first11: str) -> int | None:
    """The check digit for 11 leading digits, or None when no valid digit exists."""
    digits = [int(c) for c in first11]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS_FIRST, strict=True)) % 11
    if total == 10:
        total = sum(d * w for d, w in zip(digits, _WEIGHTS_SECOND, strict=True)) % 11
        if total == 10:
            return None
    return total


def _check_shape(text: str, what: str) -> None:
    if len(text) != 12 or not text.isascii() or not text.isdigit():
        raise InvalidIdentifier(f"{what}.format", f"{what.upper()} must be exactly 12 digits")
    if check_digit(text[:11]) != int(text[11]):
        raise InvalidIdentifier(f"{what}.check_digit", f"{what.upper()} {text} has a wrong check digit")


@dataclass(frozen=True, slots=True)
class Iin:
    value: str
    birth_date: date
    sex: Sex

    def __str__(self) -> str:
        return self.value

    def masked(self) -> str:
        """The form shown on receipts and pages: birth date kept, serial hidden."""
        return self.value[:6] + "******"

    def age_on(self, day: date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


@dataclass(frozen=True, slots=True)
class Bin:
    value: str
    registered: tuple[int, int]
    kind: BinKind

    def __str__(self) -> str:
        return self.value


def parse_iin(text: str, *, today: date | None = None) -> Iin:
    """Parse and fully validate an IIN: shape, century/sex digit, real birth date, check digit."""
    text = text.strip()
    _check_shape(text, "iin")
    century_sex = _CENTURY_SEX.get(text[6])
    if century_sex is None:
        raise InvalidIdentifier("iin.century", f"IIN {text}: 7th digit must be 1-6 (century and sex)")
    century, sex = century_sex
    try:
        born = date(century + int(text[0:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise InvalidIdentifier("iin.birth_date", f"IIN {text} does not start with a real date") from None
    if born > (today or date.today()):
        raise InvalidIdentifier("iin.birth_date", f"IIN {text} has a birth date in the future")
    return Iin(text, born, Sex(sex))


def parse_bin(text: str) -> Bin:
    """Parse and validate a BIN: shape, registration month, entity kind digit, check digit."""
    text = text.strip()
    _check_shape(text, "bin")
    month = int(text[2:4])
    if not 1 <= month <= 12:
        raise InvalidIdentifier("bin.month", f"BIN {text}: digits 3-4 must be a month")
    try:
        kind = BinKind(text[4])
    except ValueError:
        raise InvalidIdentifier("bin.kind", f"BIN {text}: 5th digit must be 4, 5 or 6") from None
    return Bin(text, (int(text[0:2]), month), kind)


def is_valid_iin(text: str) -> bool:
    try:
        parse_iin(text)
    except InvalidIdentifier:
        return False
    return True


def is_valid_bin(text: str) -> bool:
    try:
        parse_bin(text)
    except InvalidIdentifier:
        return False
    return True


def _complete(first11_from: int, prefix: str, width: int) -> str:
    """The first number with a valid check digit at or after serial `first11_from`."""
    for serial in range(first11_from, 10**width):
        first11 = f"{prefix}{serial:0{width}d}"
        digit = check_digit(first11)
        if digit is not None:
            return first11 + str(digit)
    raise ValueError(f"no valid number left after serial {first11_from} for prefix {prefix}")


def make_iin(birth_date: date, sex: Sex | str, serial: int = 1) -> str:
    """A valid IIN for a synthetic person (tests, demos, stand-in registers)."""
    century = (birth_date.year // 100) * 100
    digits = [d for d, (c, s) in _CENTURY_SEX.items() if c == century and s == Sex(sex)]
    if not digits:
        raise ValueError(f"an IIN cannot encode a birth in {birth_date.year}")
    digit = digits[0]
    return _complete(serial, birth_date.strftime("%y%m%d") + digit, 4)


def make_bin(year: int, month: int, kind: BinKind = BinKind.RESIDENT_ENTITY, serial: int = 1) -> str:
    """A valid BIN for a synthetic organisation: registered in year/month, a head unit (6th digit 0)."""
    return _complete(serial, f"{year % 100:02d}{month:02d}{kind.value}0", 5)
