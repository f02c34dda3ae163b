"""The C2SP tlog-witness state machine, its JSON-file state and the add-checkpoint route."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from common.checkpoint import Checkpoint, sign_checkpoint
from common.merkle import EMPTY_ROOT, CompactRange, MemoryNodeStore, consistency_proof, leaf_hash, root_at
from common.notes import SIG_COSIGNATURE_V1, Signer, open_note
from common.witness import (
    MAX_PROOF_LINES,
    BadProof,
    BadSignature,
    Conflict,
    JsonFileWitnessStore,
    MalformedRequest,
    TreeHead,
    UnknownLog,
    Witness,
    WitnessError,
)
from common.witness_http import witness_router

ORIGIN = "chain.rto.example/log"
LOG = Signer.generate(ORIGIN)
COSIGNER = Signer.generate("registrar.example/witness", SIG_COSIGNATURE_V1)
STORE = MemoryNodeStore()
STORE.put_nodes(CompactRange().append(leaf_hash(b"entry %d" % i) for i in range(64))[0])


def checkpoint_note(size: int, signer: Signer = LOG, root: bytes | None = None) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, size, root or root_at(STORE, size)), signer)


def request(old: int, size: int, proof: list[bytes] | None = None, note: str | None = None) -> str:
    if proof is None:
        proof = consistency_proof(STORE, old, size)
    lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    return f"old {old}\n{lines}\n{note or checkpoint_note(size)}"


@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    return Witness(
        COSIGNER, {ORIGIN: [LOG.verifier]}, JsonFileWitnessStore(tmp_path / "w.json"), lambda: 1234
    )


def cosigned(response: str, size: int) -> bool:
    note = checkpoint_note(size) + response
    return open_note(note, [COSIGNER.verifier]).signatures[0].name == COSIGNER.name


def test_first_checkpoint_then_consistent_growth(witness: Witness, tmp_path: Path) -> None:
    assert cosigned(witness.add_checkpoint(request(0, 5)), 5)
    assert cosigned(witness.add_checkpoint(request(5, 13)), 13)
    assert cosigned(witness.add_checkpoint(request(13, 13)), 13)  # same head again is fine
    reopened = JsonFileWitnessStore(tmp_path / "w.json")
    assert reopened.load(ORIGIN) == TreeHead(13, root_at(STORE, 13))


def test_stale_old_size_gets_409_with_the_current_size(witness: Witness) -> None:
    witness.add_checkpoint(request(0, 8))
    for old in (0, 5):
        with pytest.raises(Conflict) as err:
            witness.add_checkpoint(request(old, 20))
        assert (err.value.status, err.value.body, err.value.content_type) == (409, "8\n", "text/x.tlog.size")


def test_same_size_other_root_is_a_conflict(witness: Witness) -> None:
    witness.add_checkpoint(request(0, 8))
    with pytest.raises(Conflict):
        witness.add_checkpoint(request(8, 8, note=checkpoint_note(8, root=bytes(32))))


def test_bad_proofs_get_422(witness: Witness) -> None:
    witness.add_checkpoint(request(0, 6))
    proof = consistency_proof(STORE, 6, 30)
    forged = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
    for bad in (forged, proof[:-1], []):
        with pytest.raises(BadProof) as err:
            witness.add_checkpoint(request(6, 30, proof=bad))
        assert err.value.status == 422
    fork = checkpoint_note(30, root=bytes(32))  # a split view: signed, but not an extension
    with pytest.raises(BadProof):
        witness.add_checkpoint(request(6, 30, note=fork))
    assert witness.store.load(ORIGIN) == TreeHead(6, root_at(STORE, 6))


def test_proof_from_zero_must_be_empty_and_empty_tree_root_is_fixed(witness: Witness) -> None:
    with pytest.raises(BadProof):
        witness.add_checkpoint(request(0, 4, proof=[bytes(32)]))
    with pytest.raises(BadProof):
        witness.add_checkpoint(request(0, 0, note=checkpoint_note(0, root=bytes(32))))
    assert cosigned(witness.add_checkpoint(request(0, 0, note=checkpoint_note(0, root=EMPTY_ROOT))), 0)


def test_unknown_log_and_bad_signatures(witness: Witness) -> None:
    other = Signer.generate("other.example/log")
    with pytest.raises(UnknownLog) as unknown:
        witness.add_checkpoint(
            f"old 0\n\n{sign_checkpoint(Checkpoint('other.example/log', 1, bytes(32)), other)}"
        )
    assert unknown.value.status == 404
    impostor = Signer.generate(ORIGIN)  # right name, wrong key: an unknown signature
    with pytest.raises(BadSignature) as bad:
        witness.add_checkpoint(request(0, 3, note=checkpoint_note(3, impostor)))
    assert bad.value.status == 403
    tampered = checkpoint_note(3).replace("\n3\n", "\n4\n")
    with pytest.raises(BadSignature):
        witness.add_checkpoint(request(0, 4, proof=[], note=tampered))


@pytest.mark.parametrize(
    "body",
    [
        "old 0\n",
        "old 01\n\n",
        "new 0\n\n",
        "old 0\nnot base64!\n\n",
        "old 0\n" + "AAAA\n" + "\n",
        "old 0\n" + (base64.b64encode(bytes(32)).decode() + "\n") * (MAX_PROOF_LINES + 1) + "\n",
        b"old 0\n\n\xff",
        "old 0\n\nno signature block\n",
    ],
)
def test_malformed_requests_get_400(witness: Witness, body: str | bytes) -> None:
    with pytest.raises(MalformedRequest) as err:
        witness.add_checkpoint(body)
    assert err.value.status == 400


def test_old_size_beyond_checkpoint_is_400(witness: Witness) -> None:
    with pytest.raises(MalformedRequest):
        witness.add_checkpoint(request(9, 5, proof=[]))


def test_racing_witnesses_never_roll_back(tmp_path: Path) -> None:
    """Two witness processes sharing one state file: the second writer loses, with a 409."""
    store = JsonFileWitnessStore(tmp_path / "shared.json")
    first, second = (Witness(COSIGNER, {ORIGIN: [LOG.verifier]}, store) for _ in range(2))
    first.add_checkpoint(request(0, 10))
    outcomes: list[str] = []

    def submit(w: Witness, size: int) -> None:
        try:
            w.add_checkpoint(request(10, size))
            outcomes.append(f"ok {size}")
        except WitnessError as exc:
            outcomes.append(exc.reason)

    threads = [threading.Thread(target=submit, args=(w, s)) for w, s in ((first, 20), (second, 40))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[1] == "size_conflict"
    winner = int(sorted(outcomes)[0].split()[1])
    assert store.load(ORIGIN) == TreeHead(winner, root_at(STORE, winner))


def test_http_route(witness: Witness) -> None:
    app = FastAPI()
    app.include_router(witness_router(witness), prefix="/witness")
    client = TestClient(app)
    ok = client.post("/witness/add-checkpoint", content=request(0, 12))
    assert ok.status_code == 200
    assert cosigned(ok.text, 12)
    stale = client.post("/witness/add-checkpoint", content=request(0, 20))
    assert (stale.status_code, stale.text, stale.headers["content-type"]) == (409, "12\n", "text/x.tlog.size")
    assert client.post("/witness/add-checkpoint", content=request(12, 20, proof=[])).status_code == 422
    assert client.post("/witness/add-checkpoint", content="garbage").status_code == 400
    assert client.post("/witness/add-checkpoint", content=b"x" * 70_000).status_code == 400
