"""Synthetic identifiers of the stand-in cadastre: cadastral numbers and 16-digit address
registration codes (РКА). IINs and BINs come from `common.ids.make_iin` / `make_bin`."""

from __future__ import annotations

__all__ = ["make_address_code", "make_cadastral_number"]


def make_cadastral_number(serial: int) -> str:
    # Astana (01), district 012, quarter 045: a plot per building, premises numbered within it.
    building, premises = divmod(serial, 100)
    return f"01:012:045:{100 + building}:1:{premises + 1}"


def make_address_code(serial: int) -> str:
    return f"0201{serial:012d}"
