"""The demo journey across real processes — every service started by the launcher as `rto up`
does — once embedded (SQLite, in-process background work) and once distributed (a PostgreSQL
database per service, Redis, Celery workers and beat)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REQUIRED_STEPS = (
    "lease signed applicant → guarantor → head; lease.signed on the chain",
    "a listed applicant is heard and refused; refusal.issued",
    "registration: consent, signatures, fee, video check (WebRTC), registrar registers",
    "the credit bureau receives one signed notice",
    "a registration is suspended: the spouse missed the video check (art. 27)",
    "termination and ownership registered after video checks",
    "rto chain verify: the whole log, its checkpoint and cosignatures",
    "rto verify: every receipt offline, with its document and CMS",
)


def _demo(tmp_path: Path, *extra: str) -> dict:
    env = {**os.environ, "RTO_DATA_DIR": str(tmp_path)}
    # Away from the default ports, so a developer's running `rto up` does not stand in for ours,
    # and below the kernel's ephemeral range (32768+), where client sockets take ports at random.
    offset = str(10000 + secrets.randbelow(1400) * 10)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pilot",
            "demo",
            "--json",
            "--data-dir",
            str(tmp_path / "demo"),
            "--port-offset",
            offset,
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
        check=False,
    )
    summary = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {"ok": False, "steps": []}
    failed = [s for s in summary["steps"] if not s["ok"]]
    assert done.returncode == 0, f"demo failed at {failed or done.stderr[-3000:]}"
    return summary


def _check(summary: dict) -> None:
    assert summary["ok"]
    names = [step["name"] for step in summary["steps"]]
    for required in REQUIRED_STEPS:
        assert required in names
    receipts = next(s for s in summary["steps"] if s["name"] == REQUIRED_STEPS[-1])
    assert receipts["facts"]["receipts_verified_offline"] == 2  # the lease and the release letter
    suspended = next(s for s in summary["steps"] if "suspended" in s["name"])
    assert suspended["facts"]["ground"].startswith("Z070000310.art27")


@pytest.mark.e2e
@pytest.mark.slow
def test_demo_journey_embedded(tmp_path: Path) -> None:
    _check(_demo(tmp_path))


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.redis
def test_demo_journey_distributed(tmp_path: Path) -> None:
    _check(_demo(tmp_path, "--distributed"))
