"""kill -9 the chain service during a burst of appends, restart it on the same database: no
acknowledged entry is lost or changed, indices stay gap-free with one entry each (no fork),
`rto chain verify` passes, and the appends that were never answered land exactly once on retry."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from chain.client import ChainClient
from common.entries import GENESIS_PREV
from common.http_client import ServiceError
from common.merkle import leaf_hash
from common.service_keys import development_key
from tests.e2e.support import Cluster, cluster, wait_until
from tests.support.postgres import postgres_databases

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

THREADS = 6
KILL_AFTER_ACKS = 120  # acknowledged appends before the kill: the burst is well under way
SUBMITTED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # fixed, so a retry is the same signed body


@dataclass
class Append:
    consent: str  # the opaque id in `ref`: names the body
    index: int | None = None  # set once the chain acknowledged it
    leaf_hash: str | None = None

    def send(self, client: ChainClient) -> tuple[int, str]:
        result = client.append(
            kind="consent.granted",
            ref={"consent": self.consent, "case": "kill-9-burst"},
            doc_sha256=hashlib.sha256(self.consent.encode()).hexdigest(),
            media_type="application/json",
            submitted_at=SUBMITTED_AT,
        )
        return result.index, result.leaf_hash


class Burst:
    """Several submitters appending as fast as they can until the service goes away."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.appends: list[Append] = []
        self.acks = 0
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(THREADS)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=30)
            assert not thread.is_alive(), "a submitter hung after the kill"

    def _run(self, worker: int) -> None:
        # One attempt per request: a retry belongs to the test, after the restart.
        with ChainClient(self.url, caller_key=development_key("consent"), attempts=1) as client:
            for n in range(100_000):
                append = Append(f"w{worker}-{n}")
                with self._lock:
                    self.appends.append(append)
                try:
                    index, leaf = append.send(client)
                except (httpx.HTTPError, ServiceError):
                    return  # the service is gone: this one stays unacknowledged
                append.index, append.leaf_hash = index, leaf
                with self._lock:
                    self.acks += 1


def _entries(url: str) -> list[bytes]:
    lines: list[bytes] = []
    with httpx.Client(base_url=url, timeout=30) as http:
        while True:
            page = http.get("/v1/entries", params={"start": len(lines), "end": len(lines) + 1000})
            page.raise_for_status()
            if not page.content.strip():
                return lines
            lines += page.content.splitlines()


def _check_log(lines: list[bytes]) -> list[str]:
    """One entry per index, each linked to the one before; returns each entry's consent id."""
    consents = []
    prev = GENESIS_PREV
    for index, line in enumerate(lines):
        entry = json.loads(line)
        assert entry["seq"] == index, f"entry at position {index} says seq {entry['seq']}: a gap"
        assert entry["prev"] == prev, f"entry {index} does not link to entry {index - 1}: a fork"
        prev = leaf_hash(line).hex()
        consents.append(entry["body"]["ref"]["consent"])
    return consents


def _kill_mid_burst_and_recover(chain: Cluster, db: str) -> None:
    url = chain.urls["chain"]
    burst = Burst(url)
    burst.start()
    wait_until(lambda: burst.acks, lambda n: n >= KILL_AFTER_ACKS, 90, "the burst to get going")
    chain.kill_and_restart("chain")
    burst.join()

    acked = [a for a in burst.appends if a.index is not None]
    unacked = [a for a in burst.appends if a.index is None]
    assert len(acked) >= KILL_AFTER_ACKS, "the burst did not get going"
    assert unacked, "the kill did not land mid-burst"

    # Every acknowledged append survived: same index, same bytes (its leaf hash covers them).
    lines = _entries(url)
    consents = _check_log(lines)
    for append in acked:
        assert append.index is not None
        assert append.index < len(lines), f"{append.consent} was lost"
        assert leaf_hash(lines[append.index]).hex() == append.leaf_hash, f"entry {append.index} changed"
        assert consents[append.index] == append.consent
    assert len(set(consents)) == len(consents), "a body was appended twice"

    # The unanswered ones: retried after the restart, each lands exactly once.
    with ChainClient(url, caller_key=development_key("consent")) as client:
        retried = {a.consent: a.send(client)[0] for a in unacked}
        assert {a.consent: a.send(client)[0] for a in unacked} == retried  # idempotent
    lines = _entries(url)
    consents = _check_log(lines)
    assert sorted(consents) == sorted(a.consent for a in burst.appends)
    assert all(consents[index] == consent for consent, index in retried.items())

    # The outsider's audit of the whole log (and the checkpoint published after the restart).
    wait_until(
        lambda: httpx.get(f"{url}/v1/checkpoint", timeout=10).text,
        lambda note: f"\n{len(lines)}\n" in note,
        30,
        "a checkpoint covering every entry",
    )
    verified = subprocess.run(
        [sys.executable, "-m", "pilot", "chain", "verify", "--db", db],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout[-2000:] + verified.stderr[-2000:]
    assert json.loads(verified.stdout)["ok"]


def test_kill_9_mid_burst_on_sqlite(tmp_path: Path) -> None:
    with cluster(["chain"], tmp_path, env={"CHAIN_PUBLISH_INTERVAL_S": "0.2"}) as chain:
        _kill_mid_burst_and_recover(chain, str(tmp_path / "chain.db"))


@pytest.mark.postgres
def test_kill_9_mid_burst_on_postgres(tmp_path: Path) -> None:
    with postgres_databases(["chain"]) as databases:
        env = {"CHAIN_DATABASE_URL": databases["chain"], "CHAIN_PUBLISH_INTERVAL_S": "0.2"}
        with cluster(["chain"], tmp_path, env=env) as chain:
            _kill_mid_burst_and_recover(chain, databases["chain"])
