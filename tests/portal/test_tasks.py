"""Distributed mode: with `REDIS_URL` set, what a portal transaction adds to its outbox is
delivered by a Celery worker (`portal.deliver`, enqueued after commit), and whatever a lost
task leaves behind by the periodic `portal.sweep`."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from common.db import session_scope
from common.migrations import upgrade
from common.outbox import add_message
from pilot.outside.main import create_app as create_outside_app
from portal.config import get_settings
from portal.db import get_engine
from portal.models import Outbox
from portal.service.base import TOPIC_SMS, notify, transaction
from tests.conftest import reset_service_caches
from tests.e2e.support import PrivateRedis
from tests.support.live import serve

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _sms_to(outside: str, phone: str) -> list[dict]:
    return httpx.get(f"{outside}/v1/sms", params={"to": phone}, timeout=5).json()


def _within(fetch, seconds: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not (value := fetch()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return value


@pytest.fixture
def worker(fresh_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private Redis, the outside stand-in, and a portal Celery worker in its own process."""
    with PrivateRedis(fresh_data_dir / "redis") as redis, serve(create_outside_app()) as outside:
        monkeypatch.setenv("REDIS_URL", redis.url)
        monkeypatch.setenv("RTO_OUTSIDE_URL", outside)
        reset_service_caches()
        upgrade("portal", get_settings().effective_database_url)
        import portal.tasks

        importlib.reload(portal.tasks)  # its Celery app now talks to the private broker
        argv = [sys.executable, "-m", "celery", "-A", "portal.tasks:celery_app", "worker"]
        argv += ["--pool", "solo", "--queues", "portal", "--loglevel", "WARNING"]
        process = subprocess.Popen(argv, env=dict(os.environ), cwd=Path(__file__).parents[2])
        try:
            yield outside
        finally:
            process.terminate()
            process.wait(timeout=20)
            monkeypatch.delenv("REDIS_URL")
            reset_service_caches()
            importlib.reload(portal.tasks)


def test_the_worker_delivers_after_commit_and_the_sweep_catches_lost_tasks(worker: str) -> None:
    assert get_settings().distributed
    with transaction() as session:
        notify(session, "900101300001", "test", "Your application is due", sms_to="+77010000001")
    (sms,) = _within(lambda: _sms_to(worker, "+77010000001"))
    assert sms["body"]["text"] == "Your application is due"

    # a message committed without the after-commit hook, as if its task had been lost
    with session_scope(get_engine()) as session:
        add_message(session, Outbox, TOPIC_SMS, {"to": "+77010000002", "text": "swept", "ref": None})
    assert _sms_to(worker, "+77010000002") == []
    from portal.tasks import sweep

    sweep.delay()
    (sms,) = _within(lambda: _sms_to(worker, "+77010000002"))
    assert sms["body"]["text"] == "swept"
