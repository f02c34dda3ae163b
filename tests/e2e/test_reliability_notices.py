"""Notices across real processes survive their receivers' and their broker's outages: each is
delivered after the outage, and none twice (counted at the receiver by message id).

* the credit bureau's webhook receiver answers 500 for a while → the registry gateway's outbox
  retries with backoff, and each registration notice arrives once after it recovers;
* Redis is stopped during a burst of consent status changes (distributed mode: PostgreSQL,
  Celery worker and beat) → what the broker lost is delivered from the outbox by the API
  processes' fallback sweep while Redis is still down, what follows its restart whether or not
  the worker resumes consuming, and each callback arrives once.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from common.eds import Identity, MockCA, dump_p12, sign_detached
from common.ids import make_iin
from common.outbox import FALLBACK_SWEEP_S
from common.service_keys import development_key
from consent.client import ConsentClient
from registry_gateway.client import RegistryGatewayClient
from registry_gateway.domain.seed import SEED_PERSONS, SEED_PROPERTIES
from registry_gateway.schemas import DocumentSpec, PartySpec, RegistrarDecision
from tests.e2e.support import PrivateRedis, cluster, wait_until
from tests.support.live import serve
from tests.support.postgres import postgres_databases

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SEED = {p.key: p for p in SEED_PERSONS}
REFUSAL_GROUND = "Z070000310.art31.p1.sp2"  # the application was filed by an improper person
_PASSWORD = "e2e"


# ---------------------------------------------------------------- the credit bureau is down


def _registrar_signs(ca: MockCA, content: bytes) -> bytes:
    person = SEED["registrar"]
    keys = ca.issue(Identity.individual(person.iin, *person.ru[:2]))
    return sign_detached(content, dump_p12(keys.sign, _PASSWORD, "registrar"), _PASSWORD)


def _refused_case(gateway: RegistryGatewayClient, ca: MockCA, n: int) -> str:
    """A case refused by the registrar: its decision sends the bureau a `registration.refused`."""
    content = f"%PDF-1.7 lease {n} {time.time_ns()}".encode()
    document = DocumentSpec(
        name="lease.pdf",
        sha256=hashlib.sha256(content).hexdigest(),
        media_type="application/pdf",
        content_b64=base64.b64encode(content).decode(),
    )
    flat = next(p for p in SEED_PROPERTIES if p.key == "flat_free_1")
    applicant = PartySpec(iin=SEED["applicant_single"].iin, role="applicant")
    case = gateway.submit_case(
        "encumbrance.lease", flat.cadastral_number, [applicant], [document], f"e2e-{n}"
    )
    gateway.run_checks(case.id)
    draft = gateway.decision_draft(
        case.id, "refuse", ground_code=REFUSAL_GROUND, reasons="not the owner's agent"
    )
    cms = _registrar_signs(ca, base64.b64decode(draft.document_b64))
    decision = RegistrarDecision(document_b64=draft.document_b64, cms_b64=base64.b64encode(cms).decode())
    assert gateway.decide(case.id, "refuse", decision).state == "refused"
    return case.id


def _bureau_outbox(data_dir: Path) -> list[dict[str, Any]]:
    # Read-only look into the gateway's own outbox: did it really try during the outage?
    with closing(sqlite3.connect(data_dir / "registry_gateway.db")) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT id, attempts, last_error, delivered_at FROM outbox WHERE topic = 'bureau'")
        return [dict(row) for row in rows]


# Chain appends and callbacks answered 404 by the stand-in app: they fail at once, so the outbox
# relay spends its time on the bureau's notices.
_ABSENT = {"chain": "outside", "portal": "outside", "consent": "outside", "videoconf": "outside"}


def test_bureau_receiver_down_then_back_gets_each_notice_once(tmp_path: Path) -> None:
    ca = MockCA.create(tmp_path / "pki")
    env = {"REGISTRY_GATEWAY_PORTAL_CALLBACKS": "false", "REGISTRY_GATEWAY_RELAY_INTERVAL_S": "0.5"}
    with (
        cluster(["outside", "registry_gateway"], tmp_path, env=env, stand_ins=_ABSENT) as services,
        httpx.Client(base_url=services.urls["outside"], timeout=10) as outside,
        RegistryGatewayClient(services.urls["registry_gateway"], caller_key=development_key("portal")) as rg,
    ):
        outside.post("/v1/bureau/outage", json={"seconds": 600}).raise_for_status()
        cases = {_refused_case(rg, ca, n) for n in range(4)}

        # The receiver answers 500: every notice is tried, retried, and none is recorded.
        tried = wait_until(
            lambda: _bureau_outbox(tmp_path),
            lambda rows: len(rows) == len(cases) and all(r["attempts"] >= 2 for r in rows),
            60,
            "each bureau notice to be retried during the outage",
        )
        assert all("500" in (r["last_error"] or "") and r["delivered_at"] is None for r in tried)
        assert outside.get("/v1/bureau/webhooks").json() == []

        outside.post("/v1/bureau/outage", json={"seconds": 0}).raise_for_status()
        wait_until(
            lambda: outside.get("/v1/bureau/webhooks").json(),
            lambda hooks: len(hooks) >= len(cases),
            60,
            "every notice after the receiver recovered",
        )
        wait_until(
            lambda: _bureau_outbox(tmp_path),
            lambda rows: all(r["delivered_at"] for r in rows),
            30,
            "the gateway to record each delivery",
        )
        time.sleep(1)  # a late duplicate would show up here
        received = outside.get("/v1/bureau/webhooks").json()
        assert sorted(h["webhook_id"] for h in received) == sorted(r["id"] for r in tried)
        assert {h["payload"]["data"]["case_id"] for h in received} == cases
        assert {h["webhook_id"]: h["attempts"] for h in received} == {r["id"]: 1 for r in tried}


# ---------------------------------------------------------------- Redis stops mid-burst


class CallbackReceiver:
    """Stands in for the portal's consent callback endpoint; counts every delivery it gets."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[str, str, str]] = []  # (message id, consent id, status)
        self._lock = threading.Lock()
        self.app = FastAPI()

        @self.app.post("/v1/callbacks/consent")
        async def callback(request: Request) -> dict[str, str]:
            body = await request.json()
            with self._lock:
                self.deliveries.append(
                    (request.headers.get("idempotency-key", ""), body["consent_id"], body["status"])
                )
            return {"status": "ok"}

    def snapshot(self) -> list[tuple[str, str, str]]:
        with self._lock:
            return list(self.deliveries)

    def consents(self) -> set[str]:
        return {consent for _, consent, _ in self.snapshot()}


@pytest.fixture
def receiver() -> Iterator[tuple[CallbackReceiver, str]]:
    standing_in = CallbackReceiver()
    with serve(standing_in.app) as url:
        yield standing_in, url


def _refuse(consent: ConsentClient, serial: int) -> str:
    """A consent asked for and refused by its subject: one REJECTED callback to the requester."""
    iin = make_iin(date(1991, 4, 12), "F", serial)
    view = consent.request_consent(
        iin, "ТЕСТОВА АЙГУЛЬ", "rent_to_own.application", "portal", f"app-{serial}"
    )
    consent.reject(view.id, "I changed my mind")
    return view.id


OUTAGE_S = 30  # the issue says "a minute"; half of it shows the same thing in half the time
# The longest a message waits for the fallback sweep: due for one period, then the next sweep.
_SWEEP_WAIT_S = 2 * FALLBACK_SWEEP_S


@pytest.mark.postgres
@pytest.mark.redis
def test_redis_stopped_during_a_burst_then_every_callback_arrives_once(
    tmp_path: Path, receiver: tuple[CallbackReceiver, str]
) -> None:
    counting, receiver_url = receiver
    with postgres_databases(["consent"]) as databases, PrivateRedis(tmp_path / "redis") as broker:
        env = {"CONSENT_DATABASE_URL": databases["consent"], "REDIS_URL": broker.url}
        with (
            cluster(["consent"], tmp_path, env=env, distributed=True, peers={"portal": receiver_url}) as svc,
            ConsentClient(svc.urls["consent"], caller_key=development_key("portal")) as consent,
        ):
            before = {_refuse(consent, n) for n in range(1, 6)}
            wait_until(counting.consents, lambda got: before <= got, 60, "callbacks while Redis runs")

            broker.stop()
            stopped_at = time.monotonic()
            during = {_refuse(consent, n) for n in range(6, 16)}
            # Facts keep being recorded while the broker is down (the API does not wait for it).
            assert time.monotonic() - stopped_at < OUTAGE_S / 2
            # No task reached a worker: the API processes' fallback sweep delivers from the outbox.
            wait_until(
                counting.consents,
                lambda got: during <= got,
                OUTAGE_S - (time.monotonic() - stopped_at),
                "the fallback sweep's callbacks while Redis is down",
            )
            time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped_at)))

            broker.start()  # an empty broker: every task queued before the outage is gone
            after = {_refuse(consent, n) for n in range(16, 21)}
            everyone = before | during | after
            wait_until(
                counting.consents,
                lambda got: everyone <= got,
                30 + _SWEEP_WAIT_S,
                "every callback after Redis is back",
            )
            time.sleep(_SWEEP_WAIT_S + 1)  # a sweep or a late task more: nothing is sent again

    deliveries = counting.snapshot()
    per_message = Counter(message_id for message_id, _, _ in deliveries)
    assert "" not in per_message, "every callback names its outbox message (Idempotency-Key)"
    assert all(count == 1 for count in per_message.values()), per_message.most_common(3)
    assert Counter(consent_id for _, consent_id, _ in deliveries) == Counter(everyone)
    assert {status for _, _, status in deliveries} == {"REJECTED"}
