"""C2SP tlog-checkpoint bodies, log signatures and witness cosignatures."""

from __future__ import annotations

import base64

import pytest

from common.checkpoint import (
    Checkpoint,
    CheckpointError,
    attach_cosignatures,
    cosign_checkpoint,
    open_checkpoint,
    sign_checkpoint,
)
from common.notes import SIG_COSIGNATURE_V1, NoteError, Signer, cosignature_timestamp, open_note

SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SUMDB_BODY = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"
ORIGIN = "chain.rto.example/log"
LOG = Signer.generate(ORIGIN)
WITNESSES = [Signer.generate(f"witness.example/w{i}", SIG_COSIGNATURE_V1) for i in range(3)]


def test_spec_and_sumdb_bodies_round_trip() -> None:
    for body in (SPEC_BODY, SUMDB_BODY):
        assert Checkpoint.from_text(body).text == body
    spec = Checkpoint.from_text(SPEC_BODY)
    assert (spec.origin, spec.size) == ("example.com/behind-the-sofa", 20852163)
    assert spec.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    extended = Checkpoint.from_text(SPEC_BODY + "ext one\next two\n")
    assert extended.extensions == ("ext one", "ext two")
    assert Checkpoint("o", 0, bytes(32)).text == "o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"


@pytest.mark.parametrize(
    "body",
    [
        SPEC_BODY[:-1],  # no final newline
        "example.com/x\n5\n",  # no root
        "\n5\n" + "A" * 43 + "=\n",  # empty origin
        "example.com/x\n05\n" + "A" * 43 + "=\n",  # leading zero
        "example.com/x\n-5\n" + "A" * 43 + "=\n",
        "example.com/x\n5\n" + "A" * 42 + "==\n",  # 31 bytes
        "example.com/x\n5\n" + "A" * 43 + "B\n",  # 33 bytes
        "example.com/x\n5\n" + "A" * 42 + "B=\n",  # non-canonical base64
        SPEC_BODY + "\n",  # empty extension line
    ],
)
def test_malformed_bodies(body: str) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint.from_text(body)


def test_sign_open_and_pin_origin() -> None:
    checkpoint = Checkpoint(ORIGIN, 42, bytes(range(32)))
    note = sign_checkpoint(checkpoint, LOG)
    opened, parsed = open_checkpoint(note, [LOG.verifier], origin=ORIGIN)
    assert opened == checkpoint
    assert parsed.signatures[0].name == ORIGIN
    with pytest.raises(CheckpointError) as err:
        open_checkpoint(note, [LOG.verifier], origin="other.example/log")
    assert err.value.reason == "origin_mismatch"
    with pytest.raises(NoteError):
        open_checkpoint(note, [Signer.generate(ORIGIN).verifier])


def test_witness_cosignatures_attach_to_the_log_note() -> None:
    checkpoint = Checkpoint(ORIGIN, 7, bytes(32))
    note = sign_checkpoint(checkpoint, LOG)
    lines = "".join(cosign_checkpoint(checkpoint, w, timestamp=1000 + i) for i, w in enumerate(WITNESSES))
    stranger = cosign_checkpoint(checkpoint, Signer.generate("other.example/w", SIG_COSIGNATURE_V1))
    verifiers = [w.verifier for w in WITNESSES[:2]]
    full = attach_cosignatures(note, lines + stranger, verifiers)
    opened = open_note(full, verifiers)
    assert [cosignature_timestamp(s) for s in opened.signatures] == [1000, 1001]
    assert attach_cosignatures(full, lines, verifiers) == full  # nothing new to add
    assert open_checkpoint(full, [LOG.verifier])[0] == checkpoint  # log key still verifies
    other = cosign_checkpoint(Checkpoint(ORIGIN, 8, bytes(32)), WITNESSES[0])
    with pytest.raises(NoteError) as err:
        attach_cosignatures(note, other, verifiers)
    assert err.value.reason == "bad_signature"
    with pytest.raises(ValueError, match="0x04"):
        cosign_checkpoint(checkpoint, LOG)
