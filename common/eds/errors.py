"""The one exception family of the EDS package; `code` is stable and safe to show or log."""

from __future__ import annotations

__all__ = ["EdsError"]


class EdsError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
