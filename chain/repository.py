"""Queries of the chain service (SQLAlchemy Core: this is the hot path); they never commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text, update

from chain.models import Checkpoint, Entry, LiveEncumbrance, MerkleNode, WitnessPeer
from common.merkle import Node, NodeId

__all__ = [
    "CheckpointRow",
    "DbNodeStore",
    "entries_between",
    "entry_data",
    "find_bodies",
    "head",
    "insert_checkpoint",
    "insert_entries",
    "insert_nodes",
    "latest_published",
    "latest_signed",
    "live_encumbrances",
    "lock_log",
    "mark_published",
    "release_publisher_lock",
    "save_encumbrances",
    "set_witness_size",
    "try_publisher_lock",
    "witness_sizes",
]

_entry = Entry.__table__
_node = MerkleNode.__table__
_checkpoint = Checkpoint.__table__
_live = LiveEncumbrance.__table__
_peer = WitnessPeer.__table__
# Any constant works; it only has to be the same in every sequencer process.
_SEQUENCER_LOCK = 0x72746F2D636861  # "rto-cha"
_PUBLISHER_LOCK = _SEQUENCER_LOCK + 1


def lock_log(conn: Connection) -> None:
    """Make this transaction the single writer. SQLite already holds its write lock (BEGIN
    IMMEDIATE); PostgreSQL takes a transaction-scoped advisory lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEQUENCER_LOCK})


def try_publisher_lock(conn: Connection) -> bool:
    """One publisher at a time across processes (PostgreSQL session lock; SQLite runs one process)."""
    if conn.dialect.name != "postgresql":
        return True
    return bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _PUBLISHER_LOCK}).scalar())


def release_publisher_lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PUBLISHER_LOCK})


def head(conn: Connection) -> tuple[int, bytes | None]:
    """(tree size, leaf hash of the last entry)."""
    row = conn.execute(
        select(_entry.c.seq, _entry.c.leaf_hash).order_by(_entry.c.seq.desc()).limit(1)
    ).first()
    return (0, None) if row is None else (row[0] + 1, row[1])


def find_bodies(conn: Connection, body_hashes: Sequence[bytes]) -> dict[bytes, tuple[int, bytes]]:
    """Entries already holding these bodies: body hash → (index, leaf hash)."""
    if not body_hashes:
        return {}
    sql = "SELECT body_hash, seq, leaf_hash FROM chain_entry WHERE body_hash"
    if _is_postgres(conn):  # one round trip, one index probe per hash; binary: no bytea escaping
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(f"{sql} = ANY(%s)", (list(body_hashes),), binary=True)
        return {bytes(r[0]): (r[1], bytes(r[2])) for r in cursor.fetchall()}
    found: dict[bytes, tuple[int, bytes]] = {}
    for start in range(0, len(body_hashes), 500):
        chunk = tuple(body_hashes[start : start + 500])
        rows = conn.exec_driver_sql(f"{sql} IN ({', '.join('?' * len(chunk))})", chunk)
        found.update({r[0]: (r[1], r[2]) for r in rows})
    return found


def live_encumbrances(conn: Connection, cadastral_numbers: Iterable[str]) -> dict[str, int | None]:
    wanted = list(cadastral_numbers)
    if not wanted:
        return {}
    query = select(_live.c.cadastral_number, _live.c.registered_index).where(
        _live.c.cadastral_number.in_(wanted)
    )
    return {row[0]: row[1] for row in conn.execute(query)}


def save_encumbrances(conn: Connection, changes: Mapping[str, int | None]) -> None:
    """Write the live-encumbrance table after a batch: None releases the property."""
    if not changes:
        return
    conn.execute(delete(_live).where(_live.c.cadastral_number.in_(list(changes))))
    rows = [{"cadastral_number": c, "registered_index": i} for c, i in changes.items() if i is not None]
    if rows:
        conn.execute(insert(_live), rows)


EntryRow = tuple[int, bytes, bytes, bytes]
"""(seq, leaf hash, body hash, entry bytes) — a row of the entry table."""


def _is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _bulk_insert(
    conn: Connection, table: str, columns: str, types: Sequence[str], rows: Sequence[Any]
) -> None:
    """Rows in plain tuples, straight to the driver: binary COPY on PostgreSQL (2× executemany),
    one executemany on SQLite. The hot path of the sequencer; no statement compilation."""
    if not rows:
        return
    if _is_postgres(conn):
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(types))
    conn.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(rows))  # noqa: S608


def insert_entries(conn: Connection, rows: Sequence[EntryRow]) -> None:
    _bulk_insert(conn, "chain_entry", "seq, leaf_hash, body_hash, data", _ENTRY_TYPES, rows)


def insert_nodes(conn: Connection, nodes: Sequence[Node]) -> None:
    _bulk_insert(conn, "chain_merkle_node", "level, idx, hash", _NODE_TYPES, nodes)


_ENTRY_TYPES = ("int8", "bytea", "bytea", "bytea")
_NODE_TYPES = ("int4", "int8", "bytea")


class DbNodeStore:
    """`common.merkle.NodeStore` over the node table: one indexed query per proof, straight to
    the driver (proofs are the hottest read; SQLAlchemy's per-statement work would dominate)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._postgres = _is_postgres(conn)

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        if not ids:
            return []
        cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        if self._postgres:
            # One statement text for every proof (a prepared plan); a primary-key probe per id.
            cursor.execute(_PG_NODES, ([level for level, _ in ids], [index for _, index in ids]))
        else:
            cursor.execute(_sqlite_nodes(len(ids)), [x for node_id in ids for x in node_id])
        found = {(row[0], row[1]): row[2] for row in cursor.fetchall()}
        cursor.close()
        try:
            return [bytes(found[node_id]) for node_id in ids]
        except KeyError as exc:
            raise KeyError(f"merkle node {exc.args[0]} not stored") from None


_PG_NODES = (
    "SELECT n.level, n.idx, n.hash FROM unnest(%s::int4[], %s::int8[]) AS v(level, idx) "
    "JOIN chain_merkle_node n ON n.level = v.level AND n.idx = v.idx"
)


@cache
def _sqlite_nodes(count: int) -> str:
    # CROSS JOIN keeps the VALUES list as the outer loop: one primary-key search per id (a
    # row-value IN would scan the table, and an OR of levels costs a multi-index plan).
    values = ", ".join(["(?, ?)"] * count)
    return (
        f"WITH v(level, idx) AS (VALUES {values}) SELECT n.level, n.idx, n.hash "  # noqa: S608
        "FROM v CROSS JOIN chain_merkle_node n ON n.level = v.level AND n.idx = v.idx"
    )


def entry_data(conn: Connection, index: int) -> bytes | None:
    return conn.execute(select(_entry.c.data).where(_entry.c.seq == index)).scalar()


def entries_between(conn: Connection, start: int, end: int) -> list[tuple[int, bytes, bytes]]:
    """(index, entry bytes, stored leaf hash) for start ≤ index < end, in order."""
    query = (
        select(_entry.c.seq, _entry.c.data, _entry.c.leaf_hash)
        .where(_entry.c.seq >= start, _entry.c.seq < end)
        .order_by(_entry.c.seq)
    )
    return [(row[0], row[1], row[2]) for row in conn.execute(query)]


class CheckpointRow:
    """A stored checkpoint (plain object: rows outlive their connection)."""

    __slots__ = ("cosigned_note", "root_hash", "signed_note", "size")

    def __init__(self, size: int, root_hash: bytes, signed_note: str, cosigned_note: str | None) -> None:
        self.size = size
        self.root_hash = root_hash
        self.signed_note = signed_note
        self.cosigned_note = cosigned_note


def _checkpoint_query(published: bool) -> Any:
    query = select(
        _checkpoint.c.size, _checkpoint.c.root_hash, _checkpoint.c.signed_note, _checkpoint.c.cosigned_note
    )
    if published:
        query = query.where(_checkpoint.c.published_at.is_not(None))
    return query.order_by(_checkpoint.c.size.desc()).limit(1)


def latest_signed(conn: Connection) -> CheckpointRow | None:
    row = conn.execute(_checkpoint_query(published=False)).first()
    return None if row is None else CheckpointRow(*row)


def latest_published(conn: Connection) -> CheckpointRow | None:
    row = conn.execute(_checkpoint_query(published=True)).first()
    return None if row is None else CheckpointRow(*row)


def insert_checkpoint(conn: Connection, size: int, root_hash: bytes, signed_note: str, at: datetime) -> None:
    conn.execute(
        insert(_checkpoint).values(size=size, root_hash=root_hash, signed_note=signed_note, signed_at=at)
    )


def mark_published(conn: Connection, size: int, cosigned_note: str, cosignatures: int, at: datetime) -> None:
    conn.execute(
        update(_checkpoint)
        .where(_checkpoint.c.size == size)
        .values(cosigned_note=cosigned_note, cosignatures=cosignatures, published_at=at)
    )


def witness_sizes(conn: Connection) -> dict[str, int]:
    return {row[0]: row[1] for row in conn.execute(select(_peer.c.name, _peer.c.size))}


def set_witness_size(conn: Connection, name: str, size: int) -> None:
    if conn.execute(update(_peer).where(_peer.c.name == name).values(size=size)).rowcount == 0:
        conn.execute(insert(_peer).values(name=name, size=size))
