"""The stand-ins' own small SQLite file (RTO_DATA_DIR/outside.db): what each party received."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    id TEXT PRIMARY KEY, channel TEXT NOT NULL, recipient TEXT NOT NULL, ref TEXT NOT NULL,
    body TEXT NOT NULL, sent_at TEXT, received_at TEXT NOT NULL, UNIQUE (channel, ref));
CREATE TABLE IF NOT EXISTS webhook (
    webhook_id TEXT PRIMARY KEY, type TEXT, payload TEXT NOT NULL, sent_at TEXT,
    received_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS payment (
    reference TEXT PRIMARY KEY, receipt TEXT NOT NULL);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Store:
    def __init__(self, path: Path | None = None) -> None:
        data = Path(os.environ.get("RTO_DATA_DIR", "var")).resolve()
        self.path = path or data / "outside.db"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(_SCHEMA)

    def deliver(
        self, channel: str, recipient: str, ref: str, body: dict[str, Any], sent_at: str | None
    ) -> dict:
        """Store a message once per (channel, ref); a repeat gets the first receipt back."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO inbox VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    uuid.uuid4().hex,
                    channel,
                    recipient,
                    ref,
                    json.dumps(body, ensure_ascii=False),
                    sent_at,
                    _now(),
                ),
            )
            row = self._db.execute(
                "SELECT * FROM inbox WHERE channel = ? AND ref = ?", (channel, ref)
            ).fetchone()
        return {"id": row["id"], "ref": ref, "sent_at": row["sent_at"], "received_at": row["received_at"]}

    def inbox(self, channel: str, recipient: str | None = None) -> list[dict[str, Any]]:
        query, args = "SELECT * FROM inbox WHERE channel = ?", [channel]
        if recipient:
            query, args = query + " AND recipient = ?", [*args, recipient]
        rows = self._db.execute(query + " ORDER BY received_at", args).fetchall()
        return [{**dict(r), "body": json.loads(r["body"])} for r in rows]

    def webhook(self, webhook_id: str, payload: dict[str, Any], sent_at: str) -> tuple[bool, str]:
        """Record a verified webhook; returns (first time?, received_at)."""
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO webhook VALUES (?, ?, ?, ?, ?, 1)",
                (webhook_id, payload.get("type"), json.dumps(payload, ensure_ascii=False), sent_at, _now()),
            )
            first = cur.rowcount == 1
            if not first:
                self._db.execute(
                    "UPDATE webhook SET attempts = attempts + 1 WHERE webhook_id = ?", (webhook_id,)
                )
            row = self._db.execute(
                "SELECT received_at FROM webhook WHERE webhook_id = ?", (webhook_id,)
            ).fetchone()
        return first, row["received_at"]

    def webhooks(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT * FROM webhook ORDER BY received_at").fetchall()
        return [{**dict(r), "payload": json.loads(r["payload"])} for r in rows]

    def payment(self, reference: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT receipt FROM payment WHERE reference = ?", (reference,)).fetchone()
        return json.loads(row["receipt"]) if row else None

    def save_payment(self, reference: str, receipt: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO payment VALUES (?, ?)", (reference, json.dumps(receipt)))
        stored = self.payment(reference)
        assert stored is not None
        return stored

    def payments(self) -> list[dict[str, Any]]:
        return [json.loads(r["receipt"]) for r in self._db.execute("SELECT receipt FROM payment").fetchall()]

    def close(self) -> None:
        self._db.close()
