"""C2SP tlog-proof receipts: format round trip and offline verification."""

from __future__ import annotations

import base64
import json

import pytest

from common.checkpoint import Checkpoint, attach_cosignatures, cosign_checkpoint, sign_checkpoint
from common.merkle import CompactRange, MemoryNodeStore, inclusion_proof, leaf_hash, root_at
from common.notes import SIG_COSIGNATURE_V1, Signer
from common.tlog_proof import TlogProof, TlogProofError, verify_receipt

SPEC_EXAMPLE = """c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

— example.com/fancylog hI2DJw[...]1roloI=
"""

ORIGIN = "chain.rto.example/log"
LOG = Signer.generate(ORIGIN)
WITNESSES = [Signer.generate(f"{org}.example/witness", SIG_COSIGNATURE_V1) for org in ("hc", "reg", "cb")]
W_KEYS = [w.verifier for w in WITNESSES]
ENTRIES = [json.dumps({"v": 1, "seq": i, "body": {"kind": "lease.signed"}}).encode() for i in range(11)]
STORE = MemoryNodeStore()
STORE.put_nodes(CompactRange().append(leaf_hash(e) for e in ENTRIES)[0])


def receipt(
    index: int, witnesses: list[Signer] = WITNESSES, entry: bytes | None = None, size: int = 11
) -> str:
    checkpoint = Checkpoint(ORIGIN, size, root_at(STORE, size))
    note = sign_checkpoint(checkpoint, LOG)
    lines = "".join(cosign_checkpoint(checkpoint, w, 1_700_000_000) for w in witnesses)
    note = attach_cosignatures(note, lines, [w.verifier for w in witnesses])
    proof = tuple(inclusion_proof(STORE, index, size))
    return TlogProof(index, proof, note, ENTRIES[index] if entry is None else entry).text


def test_spec_example_parses_and_round_trips() -> None:
    proof = TlogProof.from_text(SPEC_EXAMPLE)
    assert proof.index == 73894
    assert len(proof.proof) == 5
    assert proof.checkpoint.startswith("example.com/fancylog\n109482\n")
    assert proof.extra == base64.b64decode("YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ")
    assert proof.text == SPEC_EXAMPLE
    bare = TlogProof(0, (), "o\n0\nx\n\n— o AAAA\n")
    assert TlogProof.from_text(bare.text) == bare


@pytest.mark.parametrize(
    "text",
    [
        SPEC_EXAMPLE.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"),
        SPEC_EXAMPLE.replace("index 73894", "index 073894"),
        SPEC_EXAMPLE.replace("index 73894\n", ""),
        SPEC_EXAMPLE.replace("AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=", "AHCioX9n"),
        SPEC_EXAMPLE.replace("\n\nexample.com", "\nexample.com"),
    ],
)
def test_malformed_proofs(text: str) -> None:
    with pytest.raises(TlogProofError):
        TlogProof.from_text(text)


def test_valid_receipt_report() -> None:
    report = verify_receipt(receipt(6), LOG.verifier, W_KEYS, quorum=2)
    assert report.ok
    assert report.errors == ()
    assert report.entry == json.loads(ENTRIES[6])
    assert report.leaf_hash == leaf_hash(ENTRIES[6])
    assert (report.index, report.checkpoint_size, report.checkpoint_root) == (6, 11, root_at(STORE, 11))
    assert report.log_signature_ok
    assert report.inclusion_ok
    assert report.quorum_ok
    assert [w.name for w in report.witnesses] == [w.name for w in WITNESSES]
    assert {w.timestamp for w in report.witnesses} == {1_700_000_000}


def test_missing_quorum() -> None:
    report = verify_receipt(receipt(3, WITNESSES[:1]), LOG.verifier, W_KEYS, quorum=2)
    assert not report.ok
    assert report.errors == ("quorum_not_met",)
    assert report.inclusion_ok
    assert len(report.witnesses) == 1
    stranger = Signer.generate("evil.example/witness", SIG_COSIGNATURE_V1)
    padded = verify_receipt(receipt(3, [WITNESSES[0], stranger]), LOG.verifier, W_KEYS, quorum=2)
    assert padded.errors == ("quorum_not_met",)  # an unknown cosigner does not count


def test_altered_entry() -> None:
    forged = ENTRIES[4].replace(b"lease.signed", b"lease.forged")
    report = verify_receipt(receipt(4, entry=forged), LOG.verifier, W_KEYS, quorum=2)
    assert report.errors == ("inclusion_failed",)
    assert report.log_signature_ok
    moved = verify_receipt(receipt(4, entry=ENTRIES[5]), LOG.verifier, W_KEYS, quorum=2)
    assert set(moved.errors) == {"seq_mismatch", "inclusion_failed"}


def test_wrong_root() -> None:
    text = receipt(2)
    good_root = base64.b64encode(root_at(STORE, 11)).decode()
    bad_root = base64.b64encode(root_at(STORE, 10)).decode()
    report = verify_receipt(text.replace(good_root, bad_root), LOG.verifier, W_KEYS, quorum=2)
    assert not report.ok
    assert {"log_signature_invalid", "inclusion_failed", "witness_signature_invalid"} <= set(report.errors)


def test_wrong_log_key_origin_and_garbage() -> None:
    impostor = Signer.generate(ORIGIN).verifier
    assert verify_receipt(receipt(1), impostor, W_KEYS, quorum=2).errors == ("log_signature_missing",)
    other = Signer.generate("other.example/log").verifier
    assert verify_receipt(receipt(1), other, W_KEYS, 2).errors == ("origin_mismatch", "log_signature_missing")
    assert verify_receipt("not a receipt", LOG.verifier, W_KEYS, 2).errors == ("malformed_receipt",)
    no_entry = TlogProof.from_text(receipt(1))
    bare = TlogProof(no_entry.index, no_entry.proof, no_entry.checkpoint).text
    assert verify_receipt(bare, LOG.verifier, W_KEYS, 2).errors == ("missing_entry",)
    with pytest.raises(ValueError, match="0x04"):
        verify_receipt(receipt(1), LOG.verifier, [LOG.verifier], 1)
