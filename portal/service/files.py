"""Uploaded files, stored off-chain under the data directory, named by their SHA-256."""

from __future__ import annotations

from pathlib import Path

from portal.config import get_settings
from portal.service.base import sha256_hex

__all__ = ["file_path", "store_file"]


def file_path(digest: str) -> Path:
    return get_settings().uploads_dir / digest[:2] / digest


def store_file(data: bytes) -> str:
    digest = sha256_hex(data)
    path = file_path(digest)
    if not path.exists():  # same bytes, same file: storage deduplicates by content
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return digest
