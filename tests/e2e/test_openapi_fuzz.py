"""Schemathesis against every service's OpenAPI: whatever a client sends, no service answers 5xx.

Each service runs its real app on a fresh SQLite database. The services it calls are unreachable
(a closed loopback port) unless the fuzzing needs them to get past a call (`DEPENDENCIES`), so an
answer never depends on what else runs on the machine. Each operation gets schema-valid requests
(to reach the handlers), schema-invalid ones (to exercise validation) and, where the path names an
object, valid requests about an object that exists (`KNOWN`); each is sent without credentials and
with a valid service token. Generation is derandomized: the same tree sends the same requests.

A failure lists, per method, path and status, the exception the app raised (if any) and a curl
command that reproduces it against the service started locally (`uvicorn <svc>.main:create_app
--factory`, on `http://testserver` replaced by its address); `$TOKEN` is a service token:
`python -c "from common.service_auth import mint_service_token as m; from common.service_keys
import development_key as k; print(m(k('portal'), 'consent', lifetime_s=3600))"` (caller, callee).
"""

from __future__ import annotations

import base64
import hashlib
import importlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from common.ids import make_iin
from common.service_auth import mint_service_token
from common.service_keys import development_key
from tests.conftest import reset_service_caches
from tests.support.live import free_port, serve

SERVICES = ("chain", "consent", "portal", "registry_gateway", "videoconf")
# Who may call each service's protected endpoints, so the fuzzer gets past the token check.
CALLER = {
    "chain": "consent",
    "consent": "portal",
    "portal": "registry_gateway",
    "registry_gateway": "portal",
    "videoconf": "registry_gateway",
}
# Services run for real next to the fuzzed one: booking a video session is a call to videoconf.
DEPENDENCIES = {"registry_gateway": ("videoconf",)}
# Examples per operation and pass: enough to reach each handler's branches, few enough that the
# five services together stay within a few minutes on two cores.
EXAMPLES = {"valid": 25, "invalid": 10, "known": 15}
_PLACEHOLDER_AUTH = {"Authorization": "Bearer $TOKEN"}

Call = Callable[[str, str, dict[str, object]], dict[str, object]]


# ---------------------------------------------------------------- objects that exist


def _consent_objects(call: Call) -> dict[str, str]:
    consent = call(
        "POST",
        "/v1/consents",
        {
            "subject_iin": make_iin(date(1990, 1, 1), "M", 7001),
            "subject_name": "ФАЗЗ ТЕСТ",
            "purpose": "rent_to_own.application",
            "requester": "portal",
            "case_ref": "fuzz-1",
            "phone": "+77010000001",
        },
    )
    return {"consent_id": str(consent["id"])}


def _room_objects(call: Call) -> dict[str, str]:
    room = call(
        "POST",
        "/v1/rooms",
        {
            "case_ref": "fuzz-1",
            "starts_at": "2030-01-02T10:00:00Z",
            "participants": [
                {"iin": make_iin(date(1985, 9, 9), "F", 7001), "role": "registrar", "name": "Тіркеуші"},
                {"iin": make_iin(date(1990, 1, 1), "M", 7001), "role": "applicant", "name": "Өтініш беруші"},
            ],
        },
    )
    participants = room["participants"]
    assert isinstance(participants, list)
    return {"room_id": str(room["id"]), "participant_id": str(participants[1]["id"])}


def _registry_objects(call: Call) -> dict[str, str]:
    seed = call("GET", "/v1/scenario/seed", {})
    persons, entities, flats = seed["persons"], seed["entities"], seed["properties"]
    assert isinstance(persons, dict)
    assert isinstance(entities, dict)
    assert isinstance(flats, dict)
    lease = b"%PDF-1.7 fuzz lease"
    case = call(
        "POST",
        "/v1/cases",
        {
            "kind": "encumbrance.lease",
            "cadastral_number": flats["flat_free_1"],
            "parties": [
                {"iin": persons["applicant_single"], "role": "applicant"},
                {
                    "bin": entities["housing_company"],
                    "role": "housing_company",
                    "representative_iin": persons["kzhk_head"],
                },
            ],
            "documents": [
                {
                    "name": "lease.pdf",
                    "sha256": hashlib.sha256(lease).hexdigest(),
                    "media_type": "application/pdf",
                    "content_b64": base64.b64encode(lease).decode(),
                }
            ],
            "portal_ref": "fuzz-1",
        },
    )
    return {
        "case_id": str(case["id"]),
        "cadastral_number": str(flats["flat_free_2"]),
        "bin": str(entities["housing_company"]),
    }


# Path parameters naming objects made through the API before fuzzing. (Person IINs are left to
# the generator: their lookups ask the consent service, which is not running here.)
KNOWN: dict[str, Callable[[Call], dict[str, str]]] = {
    "consent": _consent_objects,
    "registry_gateway": _registry_objects,
    "videoconf": _room_objects,
}


# ---------------------------------------------------------------- fuzzing


@dataclass
class Findings:
    """The first reproduction of each (method, path, status) that answered 5xx."""

    first: dict[tuple[str, str, int], str] = field(default_factory=dict)

    def add(self, case: schemathesis.Case, status: int, error: str, authorised: bool) -> None:
        key = (case.method.upper(), case.path, status)
        if key not in self.first:
            curl = case.as_curl_command(headers=_PLACEHOLDER_AUTH if authorised else None)
            curl = curl.replace("Authorization: [Filtered]", "Authorization: Bearer $TOKEN")
            self.first[key] = (f"  {error}\n" if error else "") + f"  {curl}"

    def report(self, service: str) -> str:
        lines = [f"{service}: {len(self.first)} operation(s) answered 5xx"]
        for (method, path, status), detail in sorted(self.first.items()):
            lines.append(f"{method} {path} -> {status}\n{detail}")
        return "\n".join(lines)


@dataclass
class Target:
    name: str
    app: FastAPI
    token: str
    known: dict[str, str]


@pytest.fixture(scope="module", params=SERVICES)
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    name = request.param
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("RTO_DATA_DIR", str(tmp_path_factory.mktemp(f"fuzz-{name}")))
    closed = f"http://127.0.0.1:{free_port()}"
    for other in (*SERVICES, "outside"):
        if other != name:
            monkeypatch.setenv(f"RTO_{other.upper()}_URL", closed)
    reset_service_caches()
    token = mint_service_token(development_key(CALLER[name]), name, lifetime_s=3600)
    with ExitStack() as stack:
        for dependency in DEPENDENCIES.get(name, ()):
            url = stack.enter_context(serve(importlib.import_module(f"{dependency}.main").create_app()))
            monkeypatch.setenv(f"RTO_{dependency.upper()}_URL", url)
        app = importlib.import_module(f"{name}.main").create_app()
        # The client runs start-up (migrations, relays) and shut-down around the fuzzing.
        client = stack.enter_context(TestClient(app, headers={"Authorization": f"Bearer {token}"}))

        def call(method: str, path: str, body: dict[str, object]) -> dict[str, object]:
            response = client.request(method, path, json=body if method != "GET" else None)
            assert response.status_code < 300, (path, response.text)
            return response.json()

        yield Target(name, app, token, KNOWN[name](call) if name in KNOWN else {})
    monkeypatch.undo()
    reset_service_caches()


def _can_be_invalid(operation: schemathesis.APIOperation) -> bool:
    """Whether a request can break the operation's schema: it has a body, a query or a header, or
    a path segment with more than "any string" to it. (Searching for an invalid plain-string
    segment finds none and costs seconds per operation.)"""
    if operation.body or operation.query or operation.headers:
        return True
    schemas = [p.definition.get("schema", {}) for p in operation.path_parameters]
    return any(schema.get("type") != "string" or set(schema) - {"type", "title"} for schema in schemas)


def _fuzz(operation: schemathesis.APIOperation, target: Target, found: Findings, pass_: str) -> None:
    path_names = [p.name for p in operation.path_parameters]
    if pass_ == "known" and not (path_names and set(path_names) <= target.known.keys()):
        return
    if pass_ == "invalid" and not _can_be_invalid(operation):
        return
    strategy = operation.as_strategy(
        generation_mode=GenerationMode.NEGATIVE if pass_ == "invalid" else GenerationMode.POSITIVE,
        path_parameters={n: target.known[n] for n in path_names} if pass_ == "known" else None,
    )

    # Failures are collected, not raised: one run reports every failing operation, and no time
    # goes to shrinking (the first example found is already a reproduction).
    @settings(
        max_examples=EXAMPLES[pass_],
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def exercise(case: schemathesis.Case) -> None:
        for authorised in (False, True):
            headers = {"Authorization": f"Bearer {target.token}"} if authorised else {}
            try:
                status, error = case.call(headers=headers).status_code, ""
            except Exception as exc:  # the app raised: the client saw a 500
                status, error = 500, f"{type(exc).__name__}: {exc}"[:300]
            if status >= 500:
                found.add(case, status, error, authorised)

    try:
        exercise()
    except Unsatisfiable:  # nothing in the operation could be made invalid after all
        assert pass_ == "invalid", f"no valid request for {operation.method} {operation.path}"


@pytest.mark.slow
# Schemathesis draws some choices with `random` inside its strategies; derandomized runs still
# send the same requests, so Hypothesis's warning about it is noise here.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
def test_no_service_answers_5xx_to_any_request(target: Target) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", target.app)
    found = Findings()
    for result in schema.get_all_operations():
        for pass_ in EXAMPLES:
            _fuzz(result.ok(), target, found, pass_)
    if found.first:
        pytest.fail(found.report(target.name), pytrace=False)
