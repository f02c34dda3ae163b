"""RFC 6962 hashing, stored-node proofs and RFC 9162 verification.

The transparency-dev/merkle vectors (tests/vectors/merkle, all 98 inclusion + 98 consistency
files) pin the verifier's edge cases; a recursive transcription of RFC 6962 §2.1 is the oracle
for generated proofs; pymerkle is an independent implementation of the roots.
"""

from __future__ import annotations

import base64
import json
from hashlib import sha256
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymerkle import InmemoryTree

from common.merkle import (
    EMPTY_ROOT,
    CompactRange,
    MemoryNodeStore,
    ProofError,
    consistency_plan,
    consistency_proof,
    inclusion_plan,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_at,
    root_of,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parents[1] / "vectors" / "merkle"
INCLUSION = sorted((VECTORS / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((VECTORS / "consistency").rglob("*.json"))

# RFC 6962 test tree (transparency-dev/merkle testonly/constants.go) and its roots for sizes 1..8.
RFC_LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
              "5051525354555657", "606162636465666768696a6b6c6d6e6f")]  # fmt: skip
RFC_ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]  # fmt: skip

SIZE = 300
LEAVES = [leaf_hash(i.to_bytes(4, "big")) for i in range(SIZE)]
STORE = MemoryNodeStore()
STORE.put_nodes(CompactRange().append(LEAVES)[0])


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def ref_root(leaves: list[bytes]) -> bytes:
    """MTH, RFC 6962 §2.1, literally."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(ref_root(leaves[:k]), ref_root(leaves[k:]))


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = _split(len(leaves))
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_root(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_root(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [ref_root(leaves)]
    k = _split(n)
    if m <= k:
        return [*ref_subproof(m, leaves[:k], complete), ref_root(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_root(leaves[:k])]


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _flip(data: bytes, bit: int) -> bytes:
    return data[: bit // 8] + bytes([data[bit // 8] ^ (1 << bit % 8)]) + data[bit // 8 + 1 :]


def test_vendored_vector_count() -> None:
    assert (len(INCLUSION), len(CONSISTENCY)) == (98, 98)


@pytest.mark.parametrize("path", INCLUSION, ids=lambda p: str(p.relative_to(VECTORS)))
def test_inclusion_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    proof = [_b64(p) for p in v["proof"] or []]
    args = (_b64(v["leafHash"]), v["leafIdx"], v["treeSize"], proof, _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY, ids=lambda p: str(p.relative_to(VECTORS)))
def test_consistency_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    proof = [_b64(p) for p in v["proof"] or []]
    args = (v["size1"], v["size2"], proof, _b64(v["root1"]), _b64(v["root2"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_known_answers() -> None:
    # transparency-dev/merkle rfc6962/rfc6962_test.go
    assert leaf_hash(b"").hex().startswith("6e340b9c")
    assert leaf_hash(b"").hex().endswith("a01d")
    assert leaf_hash(b"L123456").hex().startswith("395aa064")
    assert node_hash(b"N123", b"N456").hex().startswith("aa217fe8")
    assert root_of([]) == EMPTY_ROOT == sha256(b"").digest()
    hashes = [leaf_hash(x) for x in RFC_LEAVES]
    assert [root_of(hashes[:n]) for n in range(1, 9)] == RFC_ROOTS


def test_roots_match_pymerkle() -> None:
    tree = InmemoryTree(algorithm="sha256")
    for i in range(80):
        tree.append_entry(i.to_bytes(4, "big"))
        assert tree.get_root(i + 1) == root_at(STORE, i + 1)


def test_proofs_match_rfc6962_for_every_small_tree() -> None:
    for n in range(1, 65):
        root = ref_root(LEAVES[:n])
        assert root_at(STORE, n) == root
        for m in range(n):
            proof = inclusion_proof(STORE, m, n)
            assert proof == ref_path(m, LEAVES[:n])
            verify_inclusion(LEAVES[m], m, n, proof, root)
        for m in range(1, n):
            proof = consistency_proof(STORE, m, n)
            assert proof == ref_subproof(m, LEAVES[:n], True)
            verify_consistency(m, n, proof, ref_root(LEAVES[:m]), root)


def test_plans_read_logarithmically_many_nodes() -> None:
    n = 1_000_003
    assert max(len(inclusion_plan(i, n).node_ids) for i in range(0, n, 9973)) <= 2 * n.bit_length()
    assert max(len(consistency_plan(m, n).node_ids) for m in range(1, n, 9973)) <= 2 * n.bit_length()
    assert consistency_plan(0, n).node_ids == consistency_plan(n, n).node_ids == ()
    with pytest.raises(ValueError, match="out of range"):
        inclusion_plan(n, n)


def test_compact_range_emits_every_complete_subtree_and_resumes_from_store() -> None:
    head = CompactRange()
    nodes, _ = head.append(LEAVES[:100])
    assert (6, 0) in {(level, index) for level, index, _ in nodes}
    assert len(nodes) == sum(100 >> level for level in range(7))
    resumed = CompactRange.from_store(STORE, 100)
    assert resumed.root() == head.root() == root_at(STORE, 100)
    assert resumed.append(LEAVES[100:])[1] == root_at(STORE, SIZE)
    verifier = CompactRange()  # a verifier's right edge: same roots, no nodes kept
    for start in range(0, SIZE, 37):
        verifier.extend(LEAVES[start : start + 37])
        assert verifier.root() == root_at(STORE, verifier.size)


def test_store_rejects_gaps() -> None:
    store = MemoryNodeStore()
    with pytest.raises(ValueError, match="out of order"):
        store.put_nodes([(0, 1, LEAVES[1])])
    with pytest.raises(KeyError):
        store.get_nodes([(0, 0)])


sizes = st.integers(1, SIZE)


@given(st.data())
def test_every_inclusion_proof_verifies_and_tampering_fails(data: st.DataObject) -> None:
    n = data.draw(sizes)
    m = data.draw(st.integers(0, n - 1))
    proof, root = inclusion_proof(STORE, m, n), root_at(STORE, n)
    verify_inclusion(LEAVES[m], m, n, proof, root)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:k], _flip(proof[k], data.draw(st.integers(0, 255))), *proof[k + 1 :]]
        with pytest.raises(ProofError):
            verify_inclusion(LEAVES[m], m, n, bad, root)
    other = data.draw(st.integers(0, 2 * n).filter(lambda j: j != m))
    with pytest.raises(ProofError):
        verify_inclusion(LEAVES[m], other, n, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(LEAVES[m], m, n, proof, _flip(root, data.draw(st.integers(0, 255))))


@given(st.data())
def test_every_consistency_proof_verifies_and_tampering_fails(data: st.DataObject) -> None:
    n = data.draw(st.integers(2, SIZE))
    m = data.draw(st.integers(1, n - 1))
    proof, old, new = consistency_proof(STORE, m, n), root_at(STORE, m), root_at(STORE, n)
    verify_consistency(m, n, proof, old, new)
    k = data.draw(st.integers(0, len(proof) - 1))
    bad = [*proof[:k], _flip(proof[k], data.draw(st.integers(0, 255))), *proof[k + 1 :]]
    with pytest.raises(ProofError):
        verify_consistency(m, n, bad, old, new)
    other = data.draw(st.integers(0, n).filter(lambda j: j != m))
    with pytest.raises(ProofError):
        verify_consistency(other, n, proof, old, new)
    bit = data.draw(st.integers(0, 255))
    with pytest.raises(ProofError):
        verify_consistency(m, n, proof, _flip(old, bit), new)
    with pytest.raises(ProofError):
        verify_consistency(m, n, proof, old, _flip(new, bit))
