"""`rto up`: every service as its own process on 127.0.0.1, started in dependency order and
health-gated, with one prefixed log stream per process; Ctrl-C (or an API process dying) stops
all. A Celery worker or beat that exits is started again (as compose's `restart: unless-stopped`
does): a worker can die when Redis drops mid-task, and the outbox keeps its messages meanwhile.

Embedded (default): SQLite files under RTO_DATA_DIR, background work in-process.
Distributed: a PostgreSQL database per service, Redis as broker, Celery workers per service
queue plus beat, two API workers per service; migrations run once before the APIs start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from common.migrations import upgrade
from pilot.topology import SERVICES, ServiceSpec, service_urls, shifted

__all__ = ["Launcher", "distributed_environment", "ensure_postgres_databases", "port_free"]

_COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "red", "bright_cyan", "bright_magenta")


def distributed_environment(postgres_url: str, redis_url: str) -> dict[str, str]:
    """Per-service DATABASE_URLs (one database each) and the shared broker."""
    base = make_url(postgres_url)
    env = {"REDIS_URL": redis_url}
    for spec in SERVICES:
        if spec.migrates:
            url = base.set(database=f"rto_{spec.name}")
            env[f"{spec.env_prefix}DATABASE_URL"] = url.render_as_string(hide_password=False)
            env[f"{spec.env_prefix}MIGRATE_ON_STARTUP"] = "false"
    return env


def ensure_postgres_databases(postgres_url: str, *, fresh: bool = False) -> None:
    """Create each service's database (`rto_<service>`); `fresh` drops them first (the demo's own)."""
    admin = create_engine(make_url(postgres_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        existing = set(connection.execute(text("SELECT datname FROM pg_database")).scalars())
        for spec in SERVICES:
            name = f"rto_{spec.name}"
            if not spec.migrates:
                continue
            if fresh and name in existing:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                existing.discard(name)
            if name not in existing:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def port_free(port: int) -> bool:
    """Whether a server could bind `port` now (SO_REUSEADDR, as uvicorn binds: connections
    still in TIME_WAIT from a previous run do not count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class _Process:
    label: str
    argv: list[str]
    colour: str = ""
    restartable: bool = False  # a Celery process: started again when it exits
    restarts: list[float] = field(default_factory=list, repr=False)  # monotonic times
    popen: subprocess.Popen[bytes] | None = None
    pump: threading.Thread | None = field(default=None, repr=False)


_RESTARTS_PER_MINUTE = 5  # more than this and the process stays down (it is broken, not unlucky)


class Launcher:
    def __init__(
        self,
        *,
        distributed: bool = False,
        env: dict[str, str] | None = None,
        console: Console | None = None,
        services: tuple[ServiceSpec, ...] = SERVICES,
        port_offset: int = 0,
        quiet: bool = False,
        log_dir: Path | None = None,
    ) -> None:
        self.distributed = distributed
        self.services = shifted(services, port_offset)
        self.env = {**os.environ, **service_urls(self.services), **(env or {})}
        self.console = console or Console(stderr=True)
        self.quiet = quiet
        self.log_dir = log_dir
        self.processes: list[_Process] = []
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    def _uvicorn(self, spec: ServiceSpec) -> list[str]:
        argv = [
            sys.executable,
            "-m",
            "uvicorn",
            spec.factory,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(spec.port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        if self.distributed:
            argv += ["--workers", str(spec.api_workers), "--loop", "uvloop", "--http", "httptools"]
        return argv

    def _celery(self, spec: ServiceSpec) -> list[list[str]]:
        if not (self.distributed and spec.celery_app):
            return []
        app = spec.celery_app
        return [
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                app,
                "worker",
                "-Q",
                spec.name,
                "-c",
                "2",
                "--loglevel",
                "WARNING",
                "-n",
                f"{spec.name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                app,
                "beat",
                "--loglevel",
                "WARNING",
                "-s",
                os.path.join(self.env.get("RTO_DATA_DIR", "var"), f"celerybeat-{spec.name}"),
            ],
        ]

    def migrate(self) -> None:
        for spec in self.services:
            if spec.migrates:
                url = self.env.get(f"{spec.env_prefix}DATABASE_URL")
                if url:
                    upgrade(spec.name, url)

    def _spawn(self, label: str, argv: list[str], colour: str, *, restartable: bool = False) -> _Process:
        process = _Process(label, argv, colour, restartable)
        self._run(process)
        self.processes.append(process)
        return process

    def _run(self, process: _Process) -> None:
        process.popen = subprocess.Popen(
            process.argv,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.pump = threading.Thread(target=self._pump, args=(process, process.colour), daemon=True)
        process.pump.start()

    def _supervise(self) -> None:
        """Start exited Celery processes again, at most _RESTARTS_PER_MINUTE times a minute."""
        while not self._stopping.wait(1.0):
            for process in list(self.processes):
                if not process.restartable or process.popen is None or process.popen.poll() is None:
                    continue
                now = time.monotonic()
                process.restarts = [t for t in process.restarts if now - t < 60]
                if len(process.restarts) >= _RESTARTS_PER_MINUTE:
                    continue
                process.restarts.append(now)
                self.console.print(
                    f"[yellow]{process.label} exited with {process.popen.returncode}; starting it again[/]"
                )
                self._run(process)

    def _pump(self, process: _Process, colour: str) -> None:
        assert process.popen is not None
        assert process.popen.stdout is not None
        log = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log = (self.log_dir / f"{process.label.replace(':', '-')}.log").open("ab")
        try:
            for raw in process.popen.stdout:
                if log is not None:
                    log.write(raw)
                    log.flush()
                if not self.quiet:
                    line = raw.decode(errors="replace").rstrip()
                    self.console.print(
                        f"[{colour}]{process.label:>18}[/] | {line}", markup=True, highlight=False
                    )
        finally:
            if log is not None:
                log.close()

    def _wait_healthy(self, spec: ServiceSpec, process: _Process, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.popen is not None and process.popen.poll() is not None:
                raise RuntimeError(f"{spec.name} exited with {process.popen.returncode} during start-up")
            try:
                if httpx.get(f"{spec.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{spec.name} did not become healthy within {timeout_s:.0f} s")

    def start(self) -> None:
        if self.distributed:
            self.migrate()
        # No service calls another while starting, so all start at once; the health gate then
        # holds the caller until every one answers, in dependency order.
        # Another program on a port would answer the health check in our place: refuse to start.
        taken = [spec for spec in self.services if not port_free(spec.port)]
        if taken:
            raise RuntimeError("ports in use: " + ", ".join(f"{s.name} {s.port}" for s in taken))
        colours = {spec.name: _COLOURS[i % len(_COLOURS)] for i, spec in enumerate(self.services)}
        started = [
            (spec, self._spawn(spec.name, self._uvicorn(spec), colours[spec.name])) for spec in self.services
        ]
        for spec, process in started:
            self._wait_healthy(spec, process)
            self.console.print(f"[bold green]✓[/] {spec.name} on {spec.url}")
            for argv in self._celery(spec):
                self._spawn(f"{spec.name}:{argv[5]}", argv, colours[spec.name], restartable=True)
        if self.distributed:
            self._stopping.clear()
            self._supervisor = threading.Thread(target=self._supervise, name="supervisor", daemon=True)
            self._supervisor.start()

    def alive(self) -> bool:
        """Every API process runs (Celery processes are restarted by the supervisor)."""
        return all(
            p.popen is not None and p.popen.poll() is None for p in self.processes if not p.restartable
        )

    def stop(self) -> None:
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
            self._supervisor = None
        for process in reversed(self.processes):
            if process.popen is not None and process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes:
            if process.popen is None:
                continue
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
        self.processes.clear()

    def run_forever(self) -> None:
        try:
            self.start()
            self.console.print("[bold]All services are up.[/] Ctrl-C stops them.")
            while self.alive():
                time.sleep(0.5)
            dead: Iterable[str] = (p.label for p in self.processes if p.popen and p.popen.poll() is not None)
            self.console.print(f"[red]stopped: {', '.join(dead)} exited[/]")
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> Launcher:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
