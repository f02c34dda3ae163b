"""On PostgreSQL, where deliverers really run at once (Celery workers, the API processes' sweeps):
the chain indices several of them write back into one case all survive."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session

from chain.client import ChainClient
from chain.schemas import AppendResult
from common.migrations import upgrade
from registry_gateway.db import get_engine
from registry_gateway.models import Case
from registry_gateway.notices import deliver_chain
from tests.conftest import reset_service_caches
from tests.support.postgres import postgres_database

pytestmark = pytest.mark.postgres
KINDS = ("registration.submitted", "encumbrance.registered", "registration.suspended", "ownership.registered")


@pytest.fixture
def pg_gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with postgres_database("registry_gateway") as url:
        monkeypatch.setenv("REGISTRY_GATEWAY_DATABASE_URL", url)
        reset_service_caches()
        upgrade("registry_gateway", url)
        try:
            yield
        finally:
            get_engine().dispose()
            reset_service_caches()


def test_concurrent_write_backs_of_one_case_keep_every_index(
    pg_gateway: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(get_engine()) as session:
        case = Case(
            kind="encumbrance.lease",
            state="registered",
            cadastral_number="01:012:045:100:1:1",
            portal_ref=f"APP-{uuid.uuid4().hex[:6]}",
            application=b"{}",
            application_sha256="0" * 64,
            fee_due=Decimal("2162.50"),
        )
        session.add(case)
        session.commit()
        case_id = case.id

    # The chain answers at once (its own behaviour is tested elsewhere); every deliverer then
    # reaches the write-back together.
    start = threading.Barrier(len(KINDS))

    def append_payload(_client: ChainClient, payload: dict[str, Any]) -> AppendResult:
        start.wait(timeout=10)
        return AppendResult(index=KINDS.index(payload["kind"]), leaf_hash="00" * 32)

    monkeypatch.setattr(ChainClient, "append_payload", append_payload)
    errors: list[BaseException] = []

    def deliver(kind: str) -> None:
        payload = {"kind": kind, "ref": {"case": case_id}, "case_id": case_id}
        try:
            deliver_chain(f"msg-{kind}", payload)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(kind,)) for kind in KINDS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    with Session(get_engine()) as session:
        stored = session.get(Case, case_id)
        assert stored is not None
        assert stored.chain == {kind: index for index, kind in enumerate(KINDS)}
