"""Schemathesis against every service's OpenAPI: whatever a client sends, no service answers 5xx.

Each service runs its real app on a fresh SQLite database; requests carry no credentials, and
also a valid service token, so both the auth wall and the handlers behind it are exercised.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from common.service_auth import mint_service_token
from common.service_keys import development_key
from tests.conftest import reset_service_caches

SERVICES = ("chain", "consent", "portal", "registry_gateway", "videoconf")
# Who may call each service's protected endpoints, so the fuzzer gets past the token check.
CALLER = {
    "chain": "consent",
    "consent": "portal",
    "portal": "registry_gateway",
    "registry_gateway": "portal",
    "videoconf": "registry_gateway",
}


@pytest.fixture(scope="module", params=SERVICES)
def service_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    name = request.param
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("RTO_DATA_DIR", str(tmp_path_factory.mktemp(f"fuzz-{name}")))
    reset_service_caches()
    app = importlib.import_module(f"{name}.main").create_app()
    with TestClient(app):  # runs start-up (migrations, relays) and shut-down around the fuzzing
        yield name, app
    monkeypatch.undo()
    reset_service_caches()


@pytest.mark.slow
def test_no_service_answers_5xx_to_any_request(service_app: tuple) -> None:
    name, app = service_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    token = mint_service_token(development_key(CALLER[name]), name, lifetime_s=3600)
    failures: list[str] = []

    for operation in schema.get_all_operations():
        op = operation.ok()

        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy())
        def exercise(case: schemathesis.Case) -> None:
            for headers in ({}, {"Authorization": f"Bearer {token}"}):
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

        exercise()
    assert not failures, f"{name}: 5xx answers:\n" + "\n".join(sorted(set(failures))[:40])
