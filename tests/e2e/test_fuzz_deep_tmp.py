"""Schemathesis against every service's OpenAPI: whatever a client sends, no service answers 5xx.

Each service runs its real app on a fresh SQLite database, with every other service unreachable
(a closed loopback port), so an answer never depends on what else runs on the machine. Each
operation gets schema-valid requests (to reach the handlers) and schema-invalid ones (to exercise
validation), each sent without credentials and with a valid service token. Generation is
derandomized: the same tree always sends the same requests, so a failure reproduces.

A failure lists, per method, path and status, the exception the app raised (if any) and a curl
command that reproduces it against the service started locally (`uvicorn <svc>.main:create_app
--factory`); `$TOKEN` is a service token, e.g.
`python -c "from common.service_auth import mint_service_token as m; from common.service_keys
import development_key as k; print(m(k('portal'), 'consent', lifetime_s=3600))"`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from common.service_auth import mint_service_token
from common.service_keys import development_key
from tests.conftest import reset_service_caches
from tests.support.live import free_port

SERVICES = ("chain", "consent", "portal", "registry_gateway", "videoconf")
# Who may call each service's protected endpoints, so the fuzzer gets past the token check.
CALLER = {
    "chain": "consent",
    "consent": "portal",
    "portal": "registry_gateway",
    "registry_gateway": "portal",
    "videoconf": "registry_gateway",
}
# Examples per operation and mode: enough to reach each handler's branches, small enough that
# the five services together stay within a few minutes on two cores.
EXAMPLES = {GenerationMode.POSITIVE: 150, GenerationMode.NEGATIVE: 40}
# Operations whose every request is costly (CMS validation, case assembly) get fewer.
EXPENSIVE = {
    ("POST", "/v1/cases"): 10,
}
_PLACEHOLDER_AUTH = {"Authorization": "Bearer $TOKEN"}


@dataclass
class Findings:
    """The first reproduction of each (method, path, status) that answered 5xx."""

    first: dict[tuple[str, str, int], str] = field(default_factory=dict)

    def add(self, case: schemathesis.Case, status: int, error: str, authorised: bool) -> None:
        key = (case.method.upper(), case.path, status)
        if key not in self.first:
            curl = case.as_curl_command(headers=_PLACEHOLDER_AUTH if authorised else None)
            self.first[key] = (f"  {error}\n" if error else "") + f"  {curl}"

    def report(self, service: str) -> str:
        lines = [f"{service}: {len(self.first)} operation(s) answered 5xx"]
        for (method, path, status), detail in sorted(self.first.items()):
            lines.append(f"{method} {path} -> {status}\n{detail}")
        return "\n".join(lines)


@pytest.fixture(scope="module", params=SERVICES)
def service_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, FastAPI]]:
    name = request.param
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("RTO_DATA_DIR", str(tmp_path_factory.mktemp(f"fuzz-{name}")))
    closed = f"http://127.0.0.1:{free_port()}"
    for other in (*SERVICES, "outside"):
        if other != name:
            monkeypatch.setenv(f"RTO_{other.upper()}_URL", closed)
    reset_service_caches()
    app = importlib.import_module(f"{name}.main").create_app()
    with TestClient(app):  # runs start-up (migrations, relays) and shut-down around the fuzzing
        yield name, app
    monkeypatch.undo()
    reset_service_caches()


def _exercise(
    operation: schemathesis.APIOperation, mode: GenerationMode, token: str, found: Findings
) -> None:
    budget = EXPENSIVE.get((operation.method.upper(), operation.path), EXAMPLES[mode])

    # Failures are collected, not raised: one run reports every failing operation, and no time
    # goes to shrinking (the first example found is already a reproduction).
    @settings(
        max_examples=budget,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def exercise(case: schemathesis.Case) -> None:
        for authorised in (False, True):
            headers = {"Authorization": f"Bearer {token}"} if authorised else {}
            try:
                status, error = case.call(headers=headers).status_code, ""
            except Exception as exc:  # the app raised: the client saw a 500
                status, error = 500, f"{type(exc).__name__}: {exc}"[:300]
            if status >= 500:
                found.add(case, status, error, authorised)

    try:
        exercise()
    except Unsatisfiable:  # nothing in the operation can be made invalid (no parameters, no body)
        assert mode is GenerationMode.NEGATIVE, f"no valid request for {operation.method} {operation.path}"


@pytest.mark.slow
def test_no_service_answers_5xx_to_any_request(service_app: tuple[str, FastAPI]) -> None:
    name, app = service_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    token = mint_service_token(development_key(CALLER[name]), name, lifetime_s=3600)
    found = Findings()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in EXAMPLES:
            _exercise(operation, mode, token, found)
    assert not found.first, found.report(name)
