"""The launcher's supervision: an exited Celery process comes back, a crashing one gives up,
and an API process that exits is what stops `rto up`."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable

from rich.console import Console

from pilot.launcher import Launcher, port_free


def _launcher() -> Launcher:
    return Launcher(services=(), quiet=True, console=Console(quiet=True))


def _wait(condition: Callable[[], bool], within_s: float = 15) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_an_exited_worker_is_started_again_and_a_crashing_one_stays_down() -> None:
    launcher = _launcher()
    worker = launcher._spawn("svc:worker", [sys.executable, "-c", "pass"], "blue", restartable=True)
    supervisor = threading.Thread(target=launcher._supervise, daemon=True)
    supervisor.start()
    try:
        # It exits at once, every time: restarted five times within the minute, then left down.
        assert _wait(lambda: len(worker.restarts) == 5)
        time.sleep(2.5)
        assert len(worker.restarts) == 5
        assert worker.popen is not None
        assert worker.popen.poll() is not None
        assert launcher.alive(), "a down worker does not stop the API processes"
    finally:
        launcher.stop()
    supervisor.join(timeout=5)
    assert not supervisor.is_alive()


def test_an_api_process_that_exits_stops_the_stack() -> None:
    launcher = _launcher()
    api = launcher._spawn("svc", [sys.executable, "-c", "import time; time.sleep(0.3)"], "red")
    try:
        assert launcher.alive()
        assert _wait(lambda: not launcher.alive(), within_s=5)
        assert api.popen is not None
        assert api.popen.returncode == 0
    finally:
        launcher.stop()


def test_a_port_in_time_wait_counts_as_free() -> None:
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        server.listen()
        assert not port_free(port)
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first: its end waits in TIME_WAIT
        client.close()
    assert port_free(port)
