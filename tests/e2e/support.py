"""Real service processes for the reliability and isolation tests: services started by the
launcher on free loopback ports (so tests never collide with `rto up` or with each other), a
private Redis that a test may stop and start, throw-away PostgreSQL databases, and bounded waits.

Every process started here is stopped by the context manager that started it."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
import redis
from rich.console import Console

from common.settings import SERVICE_PORTS
from pilot.launcher import Launcher
from pilot.topology import SERVICES
from tests.support.live import free_port

__all__ = [
    "Cluster",
    "PrivateRedis",
    "cluster",
    "wait_until",
]

T = TypeVar("T")


def wait_until(read: Callable[[], T], done: Callable[[T], bool], within_s: float, what: str) -> T:
    """Poll `read` until `done` holds; fail with the last value after `within_s` seconds."""
    deadline = time.monotonic() + within_s
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {within_s:.0f} s waiting for {what}; last: {value!r}"[:2000]
            )
        time.sleep(0.2)


@dataclass
class Cluster:
    """Services of one test, each its own process (plus Celery workers and beat when distributed)."""

    urls: dict[str, str]
    data_dir: Path
    launcher: Launcher

    def api_process(self, name: str) -> subprocess.Popen[bytes]:
        process = next(p for p in self.launcher.processes if p.label == name)
        assert process.popen is not None
        return process.popen

    def kill_and_restart(self, name: str) -> None:
        """SIGKILL the service's API process (no shutdown hooks run), then start everything again
        on the same databases and ports."""
        popen = self.api_process(name)
        os.kill(popen.pid, signal.SIGKILL)
        popen.wait(timeout=10)
        self.launcher.stop()
        self.launcher.start()

    def log(self, label: str) -> str:
        path = self.data_dir / "logs" / f"{label.replace(':', '-')}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@contextmanager
def cluster(
    names: Sequence[str],
    data_dir: Path,
    *,
    env: dict[str, str] | None = None,
    distributed: bool = False,
    peers: dict[str, str] | None = None,
    stand_ins: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    """Start `names` (in the launcher's dependency order) on free ports with RTO_DATA_DIR=data_dir.

    `peers` points services at URLs of the test's own (e.g. a counting receiver standing in for the
    portal); `stand_ins` at another started service (e.g. {"chain": "outside"}: its 404s make
    deliveries to an absent service fail at once instead of retrying). Every other service a
    process might call gets a closed port, never the default one."""
    specs = [dataclasses.replace(s, port=free_port()) for s in SERVICES if s.name in names]
    urls = {s.name: s.url for s in specs}
    closed = f"http://127.0.0.1:{free_port()}"
    standing_in = {absent: urls[present] for absent, present in (stand_ins or {}).items()}
    wiring = {name: closed for name in SERVICE_PORTS} | standing_in | (peers or {}) | urls
    full_env = {
        "RTO_DATA_DIR": str(data_dir),
        "RTO_ENV": "test",
        **{f"RTO_{name.upper()}_URL": url for name, url in wiring.items()},
        **(env or {}),
    }
    launcher = Launcher(
        distributed=distributed,
        env=full_env,
        console=Console(stderr=True, quiet=True),
        services=specs,
        quiet=True,
        log_dir=data_dir / "logs",
    )
    try:
        launcher.start()
        yield Cluster(urls, data_dir, launcher)
    finally:
        launcher.stop()


class PrivateRedis:
    """A redis-server of the test's own on a free port, with no persistence: stopping it loses
    every queued task, as a crashed broker would. The machine's shared Redis is never touched."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no", "--daemonize", "no", "--dir", str(self.directory)]
        try:
            self._process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except FileNotFoundError:
            pytest.skip("redis-server is not installed")
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            wait_until(self._answers(client), bool, 15, "the private Redis to answer PING")
        finally:
            client.close()

    @staticmethod
    def _answers(client: redis.Redis) -> Callable[[], bool]:
        def ping() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        return ping

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
