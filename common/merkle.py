"""RFC 6962 / RFC 9162 Merkle tree: hashing, proofs from stored nodes, incremental integration.

Storage model (as Trillian and Tessera keep it): every *complete* subtree hash is stored once,
addressed by a node id ``(level, index)`` — the subtree covering leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 holds the leaf hashes. Nothing else is
stored, so the tree is append-only storage. Hashes of incomplete subtrees on the right edge
("ephemeral" nodes) are recomputed from at most log2(n) complete ones, so any root, inclusion
or consistency proof needs O(log n) stored nodes, which a database fetches in one query:
``plan = inclusion_plan(i, n); proof = plan.assemble(store.get_nodes(plan.node_ids))``.

Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 step by step. Where the RFC is silent the
edge cases follow transparency-dev/merkle (its published vectors run in CI): a consistency
proof from size 0 is meaningless and is rejected, equal sizes need an empty proof and equal
roots. The witness protocol's "old 0" case is handled by the witness, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Protocol

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "MemoryNodeStore",
    "Node",
    "NodeId",
    "NodeStore",
    "ProofError",
    "ProofPlan",
    "consistency_plan",
    "consistency_proof",
    "inclusion_plan",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_at",
    "root_of",
    "root_plan",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()

NodeId = tuple[int, int]
"""(level, index) of a complete subtree."""
Node = tuple[int, int, bytes]
"""(level, index, hash) — a row to persist."""


def leaf_hash(entry: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 ‖ d); the 0x00/0x01 prefixes keep leaves and nodes apart."""
    return sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return sha256(b"\x01" + left + right).digest()


class ProofError(ValueError):
    """A proof did not verify; `reason` is a stable key for reports and logs."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class NodeStore(Protocol):
    """Complete-subtree hashes by node id, returned in the order asked (KeyError if absent)."""

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]: ...


@dataclass(frozen=True, slots=True)
class ProofPlan:
    """Which stored nodes a proof (or root) needs, and how they combine.

    The proof's k-th hash is the right-to-left fold of the next ``spans[k]`` hashes of
    ``node_ids``: a single node when the covered range is a complete subtree, several for an
    ephemeral node on the right edge.
    """

    node_ids: tuple[NodeId, ...]
    spans: tuple[int, ...]

    def assemble(self, hashes: Sequence[bytes]) -> list[bytes]:
        """Build the proof from the hashes of ``node_ids``, in that order."""
        if len(hashes) != len(self.node_ids):
            raise ValueError(f"plan needs {len(self.node_ids)} hashes, got {len(hashes)}")
        out = []
        end = 0
        for span in self.spans:
            start, end = end, end + span
            acc = hashes[end - 1]
            for i in range(end - 2, start - 1, -1):
                acc = sha256(b"\x01" + hashes[i] + acc).digest()
            out.append(acc)
        return out


def _range_ids(begin: int, end: int) -> list[NodeId]:
    """The complete subtrees covering [begin, end), left to right, largest first."""
    ids = []
    while begin < end:
        level = (end - begin).bit_length() - 1
        if begin:
            level = min(level, (begin & -begin).bit_length() - 1)
        ids.append((level, begin >> level))
        begin += 1 << level
    return ids


def _plan(ranges: Iterable[tuple[int, int]]) -> ProofPlan:
    ids: list[NodeId] = []
    spans = []
    for begin, end in ranges:
        part = _range_ids(begin, end)
        ids.extend(part)
        spans.append(len(part))
    return ProofPlan(tuple(ids), tuple(spans))


def _split(n: int) -> int:
    """k = the largest power of two smaller than n (n ≥ 2), where RFC 6962 splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def root_plan(size: int) -> ProofPlan:
    """Nodes whose right-to-left fold is the root at `size` (empty plan for size 0)."""
    if size < 0:
        raise ValueError("negative tree size")
    return _plan([(0, size)] if size else [])


def inclusion_plan(index: int, size: int) -> ProofPlan:
    """Nodes for PATH(index, D[0:size]) (RFC 6962 §2.1.1): the leaf's sibling first."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} out of range for tree size {size}")
    # As transparency-dev/merkle computes it, without walking the recursion (this is the hot
    # path of every proof): below the highest bit where index and size differ ("fork" level),
    # every sibling is a complete subtree; at the fork, the right sibling may be ephemeral
    # (the complete subtrees covering [end, size)); above it, only left siblings exist.
    fork = (index ^ size).bit_length() - 1
    ids: list[NodeId] = [(level, (index >> level) ^ 1) for level in range(fork)]
    spans = [1] * fork
    end = ((index >> fork) + 1) << fork
    if end < size:
        right = _range_ids(end, size)
        ids.extend(right)
        spans.append(len(right))
    for level in range(fork + 1, size.bit_length()):
        if (index >> level) & 1:
            ids.append((level, (index >> level) ^ 1))
            spans.append(1)
    return ProofPlan(tuple(ids), tuple(spans))


def consistency_plan(old_size: int, new_size: int) -> ProofPlan:
    """Nodes for PROOF(old_size, D[0:new_size]) (RFC 6962 §2.1.2 SUBPROOF).

    Empty when the sizes are equal or the old tree is empty: there is nothing to prove.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"cannot prove {old_size} -> {new_size}")
    if old_size in (0, new_size):
        return ProofPlan((), ())
    ranges = []
    lo, hi, m, known = 0, new_size, old_size, True  # m is relative to lo; known = RFC's `b`
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            m -= k
            known = False
    if not known:
        ranges.append((lo, hi))
    ranges.reverse()
    return _plan(ranges)


def root_at(store: NodeStore, size: int) -> bytes:
    """MTH(D[0:size]) from stored nodes."""
    plan = root_plan(size)
    return plan.assemble(store.get_nodes(plan.node_ids))[0] if size else EMPTY_ROOT


def inclusion_proof(store: NodeStore, index: int, size: int) -> list[bytes]:
    plan = inclusion_plan(index, size)
    return plan.assemble(store.get_nodes(plan.node_ids))


def consistency_proof(store: NodeStore, old_size: int, new_size: int) -> list[bytes]:
    plan = consistency_plan(old_size, new_size)
    return plan.assemble(store.get_nodes(plan.node_ids))


class CompactRange:
    """The right edge of a tree of `size` leaves: one complete-subtree hash per set bit of size.

    `append` integrates new leaf hashes and returns the complete subtrees they create (level 0
    included) — exactly the rows a store must persist — plus the new root. Hashing is
    incremental: each leaf costs one hash on average, so whole-log verification runs at hashing
    speed.
    """

    __slots__ = ("_hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a compact range of size {size} has {size.bit_count()} hashes")
        self.size = size
        self._hashes = list(hashes)

    @classmethod
    def from_store(cls, store: NodeStore, size: int) -> CompactRange:
        return cls(size, store.get_nodes(root_plan(size).node_ids))

    def append(self, leaf_hashes: Iterable[bytes]) -> tuple[list[Node], bytes]:
        hashes = self._hashes
        pop, push = hashes.pop, hashes.append
        nodes: list[Node] = []
        emit = nodes.append
        index = self.size
        for h in leaf_hashes:
            emit((0, index, h))
            i, level = index, 0
            while i & 1:  # a completed pair on this level merges into its parent
                h = sha256(b"\x01" + pop() + h).digest()
                i >>= 1
                level += 1
                emit((level, i, h))
            push(h)
            index += 1
        self.size = index
        return nodes, self.root()

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """`append` for a verifier: the same right edge, no node list and no root."""
        hashes = self._hashes
        pop, push = hashes.pop, hashes.append
        index = self.size
        for h in leaf_hashes:
            i = index
            while i & 1:
                h = sha256(b"\x01" + pop() + h).digest()
                i >>= 1
            push(h)
            index += 1
        self.size = index

    def root(self) -> bytes:
        hashes = self._hashes
        if not hashes:
            return EMPTY_ROOT
        acc = hashes[-1]
        for h in reversed(hashes[:-1]):
            acc = sha256(b"\x01" + h + acc).digest()
        return acc


def root_of(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH of a sequence of leaf hashes (EMPTY_ROOT for none)."""
    return CompactRange().append(leaf_hashes)[1]


class MemoryNodeStore:
    """A NodeStore in lists, one per level; nodes must arrive in append order."""

    __slots__ = ("_levels",)

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = []

    def put_nodes(self, nodes: Iterable[Node]) -> None:
        levels = self._levels
        for level, index, h in nodes:
            while len(levels) <= level:
                levels.append([])
            row = levels[level]
            if index != len(row):
                raise ValueError(f"node ({level}, {index}) out of order; level has {len(row)}")
            row.append(h)

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        levels = self._levels
        try:
            return [levels[level][index] for level, index in ids]
        except IndexError:
            raise KeyError("node not stored") from None


def _check_hashes(hashes: Sequence[bytes]) -> None:
    if any(len(h) != HASH_SIZE for h in hashes):
        raise ProofError("bad_hash_size", f"proof hashes must be {HASH_SIZE} bytes")


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2; raises ProofError unless `leaf` is at `index` in the tree `root`."""
    if index < 0 or index >= size:
        raise ProofError("index_out_of_range", f"index {index}, tree size {size}")
    if len(leaf) != HASH_SIZE:
        raise ProofError("bad_hash_size", "leaf hash must be 32 bytes")
    _check_hashes(proof)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("proof_too_long")
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r).digest()
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof_too_short")
    if r != root:
        raise ProofError("root_mismatch")


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """RFC 9162 §2.1.4.2; raises ProofError unless tree `old_root` is a prefix of `new_root`."""
    if old_size < 0 or old_size > new_size:
        raise ProofError("size_order", f"old size {old_size} > new size {new_size}")
    if old_size == 0:
        raise ProofError("empty_old_tree", "a consistency proof from size 0 proves nothing")
    _check_hashes(proof)
    if old_size == new_size:
        if proof:
            raise ProofError("proof_not_empty", "equal sizes need an empty proof")
        if old_root != new_root:
            raise ProofError("root_mismatch")
        return
    if not proof:
        raise ProofError("empty_proof")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("proof_too_long")
        if fn & 1 or fn == sn:
            fr = sha256(b"\x01" + c + fr).digest()
            sr = sha256(b"\x01" + c + sr).digest()
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = sha256(b"\x01" + sr + c).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof_too_short")
    if fr != old_root:
        raise ProofError("old_root_mismatch")
    if sr != new_root:
        raise ProofError("new_root_mismatch")
