"""The sequencer on PostgreSQL: two sequencers (as two API workers would run) share one log
through the advisory lock, and the result is gap-free, fork-free and verifies."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy.engine import Engine

from chain import repository as repo
from chain.keys import development_log_keys, development_witness_signer, log_signer, submitter_jwks
from chain.publisher import publish_once
from chain.sequencer import Admitted, Appended, Sequencer
from chain.service import ChainLog, SubmitterKeys, admit
from common.db import make_engine
from common.entries import build_body, sign_body
from common.log_verify import TrustedKeys, verify_log
from common.migrations import upgrade
from common.service_keys import development_key
from tests.support.postgres import postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    with postgres_database("chain") as url:
        upgrade("chain", url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


def _admitted(n: int) -> Admitted:
    body = build_body(
        kind="consent.granted",
        ref={"consent_id": f"c-{n}"},
        doc_sha256=f"{n:064x}",
        media_type="application/pdf",
        evidence=[],
        submitter="consent",
        submitted_at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    raw = orjson.dumps({"body": body, "sig": sign_body(body, development_key("consent"))})
    return admit(raw, "consent", SubmitterKeys(submitter_jwks()))


def test_two_sequencers_share_one_gap_free_log(pg_engine: Engine, tmp_path: Path) -> None:
    second_engine = make_engine(str(pg_engine.url.render_as_string(hide_password=False)))
    sequencers = [Sequencer(pg_engine, max_batch=64), Sequencer(second_engine, max_batch=64)]
    for s in sequencers:
        s.start()
    try:
        items = [_admitted(n) for n in range(600)]
        with ThreadPoolExecutor(8) as pool:
            futures = list(pool.map(lambda n: sequencers[n % 2].submit(items[n]), range(600)))
        results: list[Appended] = [f.result(timeout=30) for f in futures]
        # A repeat through the other sequencer lands on the same index.
        again = sequencers[1].submit(items[0]).result(timeout=30)
    finally:
        for s in sequencers:
            s.stop()
        second_engine.dispose()
    assert sorted(r.index for r in results) == list(range(600))
    assert (again.index, again.created) == (results[0].index, False)

    log = ChainLog.build(
        pg_engine,
        log_signer(),
        submitter_jwks(),
        witness_signers=[
            development_witness_signer(n) for n in ("housing-company", "registrar", "credit-bureau")
        ],
        witness_dir=tmp_path,
    )
    assert publish_once(pg_engine, log.signer, log.peers, quorum=2) == 600
    with pg_engine.connect() as conn:
        rows = repo.entries_between(conn, 0, 600)
        note = repo.latest_published(conn).cosigned_note  # type: ignore[union-attr]
    report = verify_log(rows, note, TrustedKeys.from_json(development_log_keys()))
    assert report.ok, report.problems
    assert report.entries == 600
