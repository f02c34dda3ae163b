"""An embedded database acknowledges a commit only once it is on disk: a signed lease, a consent or
a chain entry that a caller was told is saved must survive a power cut, not only a process crash
(the chain most of all: a log that forgot acknowledged entries would later sign a checkpoint
inconsistent with one its witnesses already cosigned)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from common.db import make_engine

FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


def test_every_sqlite_connection_syncs_each_commit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    try:
        with engine.connect() as first, engine.connect() as second:  # two pooled connections
            for conn in (first, second):
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA synchronous")).scalar() == FULL
    finally:
        engine.dispose()
