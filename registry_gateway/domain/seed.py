"""Deterministic seed of the stand-in registries: synthetic but realistic people, the housing
company, and its flats — the same on every machine, so demos and tests can name them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from common.ids import make_iin
from common.parties import HOUSING_COMPANY, STATE_CORPORATION
from registry_gateway.domain.identifiers import make_address_code, make_cadastral_number

__all__ = [
    "HOUSING_COMPANY_BIN",
    "REGISTRAR_ORG_BIN",
    "SEED_ENTITIES",
    "SEED_PERSONS",
    "SEED_PROPERTIES",
    "SeedEntity",
    "SeedPerson",
    "SeedProperty",
]


@dataclass(frozen=True)
class SeedPerson:
    key: str
    iin: str
    kk: tuple[str, str, str | None]
    ru: tuple[str, str, str | None]
    address: str
    phone: str
    spouse_key: str | None = None
    on_terrorism_list: bool = False
    affiliated: bool = False
    credit: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SeedEntity:
    key: str
    bin: str
    name_kk: str
    name_ru: str
    head_key: str
    registered_on: date
    address: str


@dataclass(frozen=True)
class SeedProperty:
    key: str
    cadastral_number: str
    address_code: str
    address: str
    total_area: Decimal
    living_area: Decimal
    rooms: int
    floor: int
    owner_key: str
    encumbrance: str | None = None
    encumbrance_holder_key: str | None = None


def _p(
    key: str, born: date, sex: str, serial: int, kk: tuple, ru: tuple, phone: str, **kw: object
) -> SeedPerson:
    street = "Астана қ., Тұран даңғылы, 37, пәтер " + str(serial % 200)
    return SeedPerson(key, make_iin(born, sex, serial), kk, ru, street, phone, **kw)  # type: ignore[arg-type]


SEED_PERSONS: tuple[SeedPerson, ...] = (
    _p(
        "applicant_married",
        date(1988, 3, 14),
        "M",
        3012,
        ("Асанов", "Асан", "Серікұлы"),
        ("Асанов", "Асан", "Серикович"),
        "+77011234501",
        spouse_key="spouse",
    ),
    _p(
        "spouse",
        date(1990, 7, 2),
        "F",
        3013,
        ("Асанова", "Айгүл", "Болатқызы"),
        ("Асанова", "Айгуль", "Болатовна"),
        "+77011234502",
        spouse_key="applicant_married",
    ),
    _p(
        "applicant_single",
        date(1995, 11, 20),
        "F",
        4021,
        ("Жұмабекова", "Динара", "Ерланқызы"),
        ("Жумабекова", "Динара", "Ерлановна"),
        "+77011234503",
    ),
    _p(
        "listed_person",
        date(1980, 1, 5),
        "M",
        5110,
        ("Қасымов", "Бақыт", "Нұрланұлы"),
        ("Касымов", "Бахыт", "Нурланович"),
        "+77011234504",
        on_terrorism_list=True,
    ),
    _p(
        "guarantor",
        date(1979, 4, 22),
        "M",
        6120,
        ("Нұрланов", "Дәурен", "Маратұлы"),
        ("Нурланов", "Даурен", "Маратович"),
        "+77011234505",
        credit={"active_loans": "1", "total_debt": "1850000.00", "monthly_payments": "64000.00"},
    ),
    _p(
        "kzhk_head",
        date(1975, 6, 10),
        "M",
        1001,
        ("Омаров", "Ерлан", "Қайратұлы"),
        ("Омаров", "Ерлан", "Кайратович"),
        "+77011234506",
        affiliated=True,
    ),
    _p(
        "registrar",
        date(1985, 9, 9),
        "F",
        2002,
        ("Серікова", "Гүлнар", "Ахметқызы"),
        ("Серикова", "Гульнар", "Ахметовна"),
        "+77011234507",
    ),
    _p(
        "previous_tenant",
        date(1983, 12, 1),
        "M",
        7030,
        ("Беков", "Ержан", None),
        ("Беков", "Ержан", None),
        "+77011234508",
    ),
)

HOUSING_COMPANY_BIN = HOUSING_COMPANY.bin
REGISTRAR_ORG_BIN = STATE_CORPORATION.bin

SEED_ENTITIES: tuple[SeedEntity, ...] = (
    SeedEntity(
        "housing_company",
        HOUSING_COMPANY_BIN,
        "«Қазақстан тұрғын үй компаниясы» АҚ",
        "АО «Казахстанская жилищная компания»",
        "kzhk_head",
        date(2008, 5, 20),
        "Астана қ., Қонаев көшесі, 12",
    ),
    SeedEntity(
        "state_corporation",
        REGISTRAR_ORG_BIN,
        "«Азаматтарға арналған үкімет» мемлекеттік корпорациясы» КеАҚ",
        "НАО «Государственная корпорация «Правительство для граждан»",
        "registrar",
        date(2016, 3, 4),
        "Астана қ., Мәңгілік Ел даңғылы, 8",
    ),
)


def _flat(
    key: str, serial: int, rooms: int, total: str, living: str, floor: int, **kw: object
) -> SeedProperty:
    return SeedProperty(
        key,
        make_cadastral_number(serial),
        make_address_code(serial + 1),
        f"Астана қ., Ұлы Дала даңғылы, 21, пәтер {serial % 100 + 1}",
        Decimal(total),
        Decimal(living),
        rooms,
        floor,
        "housing_company",
        **kw,  # type: ignore[arg-type]
    )


SEED_PROPERTIES: tuple[SeedProperty, ...] = (
    _flat("flat_free_1", 0, 2, "54.30", "32.10", 3),
    _flat("flat_free_2", 1, 1, "38.70", "19.40", 5),
    _flat("flat_free_3", 2, 3, "78.20", "49.90", 7),
    _flat(
        "flat_encumbered",
        3,
        2,
        "55.10",
        "33.00",
        4,
        encumbrance="lease",
        encumbrance_holder_key="previous_tenant",
    ),
)
