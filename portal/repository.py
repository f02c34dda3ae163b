"""Queries of the portal service; they never commit."""

from __future__ import annotations
