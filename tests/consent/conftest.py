"""A consent service on a fresh SQLite database over real HTTP, a stand-in for the SMS gateway
and the requesters' callback endpoints, one mock CA per session, and the callers' clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from common.eds import Identity, MockCA
from consent.client import ConsentClient
from consent.main import create_app
from tests.conftest import reset_service_caches
from tests.consent.support import StandIn, Subject, client_for, make_iin, stand_in_app
from tests.support.live import free_port, serve


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> MockCA:
    return MockCA.create(tmp_path_factory.mktemp("consent-eds") / "pki")


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    state = StandIn()
    with serve(stand_in_app(state)) as url:
        state.url = url
        yield state


@pytest.fixture
def consent_env(fresh_data_dir: Path, monkeypatch: pytest.MonkeyPatch, ca: MockCA, stand_in: StandIn) -> Path:
    monkeypatch.setenv("CONSENT_PKI_DIR", str(ca.directory))
    monkeypatch.setenv("CONSENT_OTP_RESEND_AFTER_S", "0")
    monkeypatch.setenv("RTO_OUTSIDE_URL", stand_in.url)
    monkeypatch.setenv("RTO_PORTAL_URL", stand_in.url)
    monkeypatch.setenv("RTO_REGISTRY_GATEWAY_URL", stand_in.url)
    # Nothing listens there: the chain is down unless a test starts one.
    monkeypatch.setenv("RTO_CHAIN_URL", f"http://127.0.0.1:{free_port()}")
    reset_service_caches()
    return fresh_data_dir


@pytest.fixture
def consent_url(consent_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with serve(create_app()) as url:
        monkeypatch.setenv("RTO_CONSENT_URL", url)  # subject links point here
        yield url


@pytest.fixture
def portal(consent_url: str) -> Iterator[ConsentClient]:
    with client_for(consent_url, "portal") as client:
        yield client


@pytest.fixture
def gateway(consent_url: str) -> Iterator[ConsentClient]:
    with client_for(consent_url, "registry_gateway") as client:
        yield client


@pytest.fixture
def make_subject(ca: MockCA) -> Callable[[], Subject]:
    def make() -> Subject:
        iin = make_iin()
        identity = Identity.individual(iin, "Тестов", "Тест")
        return Subject(iin, "ТЕСТОВ ТЕСТ", ca.issue(identity))

    return make


@pytest.fixture
def subject(make_subject: Callable[[], Subject]) -> Subject:
    return make_subject()


@pytest.fixture
def subject_iin() -> str:
    """An IIN without certificates, for tests that grant by one-time code."""
    return make_iin()
