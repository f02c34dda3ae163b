"""Shared fixtures: an isolated data directory per test session, and the services' caches
cleared so each test module can point services at fresh databases."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVICES = ("chain", "consent", "portal", "registry_gateway", "videoconf")


def reset_service_caches() -> None:
    """Forget cached settings, engines and keys so new environment variables take effect."""
    for service in SERVICES:
        for module_name in (f"{service}.config", f"{service}.db"):
            module = importlib.import_module(module_name)
            for attribute in vars(module).values():
                clear = getattr(attribute, "cache_clear", None)
                if callable(clear) and getattr(attribute, "__module__", None) == module_name:
                    clear()


@pytest.fixture(autouse=True, scope="session")
def _session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("rto-data")
    previous = os.environ.get("RTO_DATA_DIR")
    os.environ["RTO_DATA_DIR"] = str(path)
    os.environ.setdefault("RTO_ENV", "test")
    reset_service_caches()
    yield path
    if previous is None:
        os.environ.pop("RTO_DATA_DIR", None)
    else:
        os.environ["RTO_DATA_DIR"] = previous


@pytest.fixture
def fresh_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A test-local data directory with fresh service databases."""
    monkeypatch.setenv("RTO_DATA_DIR", str(tmp_path))
    reset_service_caches()
    yield tmp_path
    reset_service_caches()
