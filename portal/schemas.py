"""Wire models of the portal API: the contract other services and clients rely on."""

from __future__ import annotations
