"""The whole-log verifier on a log longer than one verification chunk (so the worker threads,
chunk boundaries and a checkpoint in mid-chunk are all exercised), built with the sequencer's
own row builder: it passes clean, and each kind of tamper is named at its index."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import orjson
import pytest

from chain.keys import development_log_keys, development_witness_signer, log_signer
from chain.sequencer import Admitted, body_hash, sequence
from common.checkpoint import Checkpoint, attach_cosignatures, cosign_checkpoint, sign_checkpoint
from common.entries import GENESIS_PREV, build_body
from common.log_verify import TrustedKeys, verify_log
from common.merkle import root_of
from common.service_keys import development_key

SIZE = 4200  # more than two chunks of 2048
CHECKPOINT = 4100  # inside the third chunk


def _log() -> tuple[list[tuple[int, bytes, bytes | None]], str]:
    key = development_key("videoconf")
    items = []
    for i in range(SIZE):
        body = build_body(
            kind="video.verified",
            ref={"session_id": f"s-{i}"},
            doc_sha256=f"{i:064x}",
            media_type="video/webm",
            evidence=[],
            submitter="videoconf",
            submitted_at=datetime(2026, 5, 1, tzinfo=UTC),
        )
        canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)  # = RFC 8785 for this body
        sig = {"alg": "Ed25519", "kid": key.kid, "value": base64.b64encode(key.sign(canonical)).decode()}
        items.append(Admitted(body, sig, body_hash(canonical), b"", key.public_bytes))
    batch = sequence(items, 0, GENESIS_PREV, "2026-05-01T00:00:00.000Z", {}, {})
    checkpoint = Checkpoint(log_signer().name, CHECKPOINT, root_of(batch.leaves[:CHECKPOINT]))
    note = sign_checkpoint(checkpoint, log_signer())
    witnesses = [development_witness_signer(n) for n in ("housing-company", "registrar")]
    for witness in witnesses:
        note = attach_cosignatures(
            note, cosign_checkpoint(checkpoint, witness), [w.verifier for w in witnesses]
        )
    return [(seq, data, leaf) for seq, leaf, _, data in batch.rows], note


LOG, NOTE = _log()
KEYS = TrustedKeys.from_json(development_log_keys())


def _with(index: int, data: bytes) -> list[tuple[int, bytes, bytes | None]]:
    return [(i, data, None) if i == index else (i, d, None) for i, d, _ in LOG]


def test_a_clean_log_verifies_across_chunks_and_threads() -> None:
    report = verify_log(LOG, NOTE, KEYS, workers=2)
    assert report.ok, report.problems
    assert (report.entries, report.checkpoint_size, report.cosignatures) == (SIZE, CHECKPOINT, 2)


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        # A float where the schema has an integer: orjson would echo `1.0`, RFC 8785 writes `1`.
        (lambda d: d.replace(b'"v":1}', b'"v":1.0}'), "not_canonical"),
        (lambda d: d.replace(b'"body":{', b'"body": {'), "not_canonical"),
        (lambda d: d.replace(b"video/webm", b"video/mpeg"), "bad_signature"),
    ],
)
def test_a_changed_entry_is_named(edit: object, reason: str) -> None:
    victim = 3000
    changed = edit(LOG[victim][1])  # type: ignore[operator]
    assert changed != LOG[victim][1]
    report = verify_log(_with(victim, changed), NOTE, KEYS)
    assert report.first_bad_index == victim
    assert (victim, reason) in report.problems
    assert (None, "root_mismatch") in report.problems  # the entry is under the checkpoint


def test_a_missing_entry_ends_the_walk_short_of_the_checkpoint() -> None:
    report = verify_log([row for row in LOG if row[0] != 2500], NOTE, KEYS)
    assert (2500, "missing_entry") in report.problems
    assert (None, "log_shorter_than_checkpoint") in report.problems


def test_a_replayed_body_is_named_although_its_signature_holds() -> None:
    """The operator re-appends a body its submitter signed once (an old registration, say): the
    entry is well formed, linked and signed, but the log takes each body once."""
    replayed = orjson.loads(LOG[7][1])
    item = Admitted(replayed["body"], replayed["sig"], b"\x01" * 32, b"", b"")
    last = LOG[-1][2]
    assert last is not None
    extra = sequence([item], SIZE, last.hex(), "2026-05-02T00:00:00.000Z", {}, {})
    report = verify_log([*LOG, *((s, d, leaf) for s, leaf, _, d in extra.rows)], NOTE, KEYS)
    assert report.problems == [(SIZE, "duplicate_body")]
    assert report.first_bad_index == SIZE
