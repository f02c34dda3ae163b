"""A chain service on a fresh SQLite database, served over real HTTP, and submitters' clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from chain.client import ChainClient
from chain.main import create_app
from common.service_keys import development_key
from tests.support.live import serve


@pytest.fixture
def chain_app(fresh_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setenv("CHAIN_PUBLISH_INTERVAL_S", "0.1")
    return create_app()


@pytest.fixture
def chain_url(chain_app: FastAPI) -> Iterator[str]:
    with serve(chain_app) as url:
        yield url


def client_for(url: str, service: str) -> ChainClient:
    return ChainClient(url, caller_key=development_key(service), attempts=2)


@pytest.fixture
def portal(chain_url: str) -> Iterator[ChainClient]:
    with client_for(chain_url, "portal") as client:
        yield client


@pytest.fixture
def registry(chain_url: str) -> Iterator[ChainClient]:
    with client_for(chain_url, "registry_gateway") as client:
        yield client
