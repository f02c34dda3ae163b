"""Debian's chromium under Playwright (never a downloaded browser) and `rto signer`, the NCALayer
emulator, as a real subprocess on plain ws on a free port — what the browser tests drive."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from common.eds import IssuedIdentity, dump_p12
from tests.support.live import free_port

__all__ = ["CHROMIUM", "SCREENSHOTS", "chromium", "needs_chromium", "rto_signer"]

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path("/tmp/rto-screenshots")
_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_PASSWORD = "browser-test"

needs_chromium = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed"
)


@contextmanager
def chromium() -> Iterator[object]:
    """A headless chromium browser (Playwright's `Browser`), closed when the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def rto_signer(keys: IssuedIdentity, directory: Path) -> Iterator[str]:
    """`rto signer --p12 sign.p12 --password … --port P --plain-ws` holding one person's keys
    (the signing key's sibling `auth.p12` comes along); yields its `ws://127.0.0.1:P` URL."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sign.p12").write_bytes(dump_p12(keys.sign, _PASSWORD, "sign"))
    (directory / "auth.p12").write_bytes(dump_p12(keys.auth, _PASSWORD, "auth"))
    port = free_port()
    command = [sys.executable, "-m", "pilot", "signer", "--p12", str(directory / "sign.p12")]
    command += ["--password", _PASSWORD, "--port", str(port), "--plain-ws"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"rto signer exited: {process.stdout.read() if process.stdout else ''}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("rto signer did not start within 30 s") from None
                time.sleep(0.1)
        yield f"ws://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
