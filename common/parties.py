"""The organisations every service names, with development identifiers.

One source for KZhK, the State Corporation and the platform operator, so the consent artefact,
the portal's staff check, the registry gateway's registers and the certificates all agree.
Development BINs have valid check digits but belong to nobody; production overrides them in
each service's settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.ids import make_bin

__all__ = ["HOUSING_COMPANY", "PLATFORM_OPERATOR", "STATE_CORPORATION", "Organisation"]


@dataclass(frozen=True)
class Organisation:
    name_kk: str
    name_ru: str
    bin: str


HOUSING_COMPANY = Organisation(
    "«Қазақстан тұрғын үй компаниясы» АҚ",
    "АО «Казахстанская жилищная компания»",
    make_bin(2008, 5, serial=1234),
)
STATE_CORPORATION = Organisation(
    "«Азаматтарға арналған үкімет» мемлекеттік корпорациясы» КеАҚ",
    "НАО «Государственная корпорация «Правительство для граждан»",
    make_bin(2016, 3, serial=777),
)
PLATFORM_OPERATOR = Organisation("«RTO Platform» ЖШС", "ТОО «RTO Platform»", make_bin(2014, 1, serial=456))
