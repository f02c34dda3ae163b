"""Tables of the chain service.

The hot path (sequencer, proofs) reads and writes these through SQLAlchemy Core on
`Model.__table__`; the SQLModel classes exist for migrations and for the occasional readable query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, PrimaryKeyConstraint, Text
from sqlmodel import Field

from chain.db import ChainBase

__all__ = ["Checkpoint", "Entry", "LiveEncumbrance", "MerkleNode", "WitnessPeer"]


class Entry(ChainBase, table=True):
    """One leaf: the exact canonical bytes of the entry, its leaf hash, and its body hash (which
    makes appends idempotent: the same signed body maps to the same index)."""

    __tablename__ = "chain_entry"

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    body_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False, unique=True))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class MerkleNode(ChainBase, table=True):
    """Every complete subtree hash, addressed (level, index); level 0 holds the leaf hashes."""

    __tablename__ = "chain_merkle_node"
    __table_args__ = (PrimaryKeyConstraint("level", "idx"), {"sqlite_with_rowid": False})

    level: int = Field(sa_column=Column(Integer, nullable=False))
    idx: int = Field(sa_column=Column(BigInteger, nullable=False))
    hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))


class Checkpoint(ChainBase, table=True):
    """Every checkpoint the log signed (it never signs two inconsistent ones), and, once a quorum of
    witnesses cosigned it, the published note with their cosignatures."""

    __tablename__ = "chain_checkpoint"

    size: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    root_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    signed_note: str = Field(sa_column=Column(Text, nullable=False))
    cosigned_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    cosignatures: int = 0
    signed_at: datetime
    published_at: datetime | None = Field(default=None, index=True)


class LiveEncumbrance(ChainBase, table=True):
    """The property's live encumbrance.registered entry (admission state, derivable from the log)."""

    __tablename__ = "chain_live_encumbrance"

    cadastral_number: str = Field(primary_key=True, max_length=128)
    registered_index: int = Field(sa_column=Column(BigInteger, nullable=False))


class WitnessPeer(ChainBase, table=True):
    """The log's view of each witness: the last tree size it cosigned for us."""

    __tablename__ = "chain_witness_peer"

    name: str = Field(primary_key=True, max_length=200)
    size: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
