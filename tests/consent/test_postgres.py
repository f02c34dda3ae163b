"""The same guarantees on PostgreSQL: migrations apply, and concurrent decisions end in one state."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

from consent.client import ConsentClient
from consent.main import create_app
from consent.schemas import UseView
from tests.consent.support import StandIn, ask, client_for, grant_by_otp, make_iin
from tests.consent.test_concurrency_and_cases import _race
from tests.support.live import serve
from tests.support.postgres import postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_consent_url(consent_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with postgres_database("consent") as database:
        monkeypatch.setenv("CONSENT_DATABASE_URL", database)
        from tests.conftest import reset_service_caches

        reset_service_caches()
        try:
            with serve(create_app()) as url:
                monkeypatch.setenv("RTO_CONSENT_URL", url)
                yield url
        finally:
            from consent.db import get_engine

            get_engine().dispose()


def test_concurrent_decisions_on_postgres_end_in_one_state(pg_consent_url: str, stand_in: StandIn) -> None:
    with client_for(pg_consent_url, "portal") as portal:
        view = ask(portal, make_iin())
        grant_by_otp(portal, stand_in, view.id)
        portal.request_revocation(view.id, "I changed my mind")
        with client_for(pg_consent_url, "portal") as a, client_for(pg_consent_url, "portal") as b:
            results = _race(
                lambda: a.decide_revocation(view.id, True, "accepted"),
                lambda: b.decide_revocation(view.id, False, "art. 8(2)"),
            )
        final = portal.get(view.id)

    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert final.status in {"REVOKED", "REVOCATION_DENIED"}
    assert [t.to_status for t in final.transitions][-1] == final.status
    assert len(final.transitions) == 4


def test_concurrent_uses_with_one_key_on_postgres_log_one_line(
    pg_consent_url: str, stand_in: StandIn
) -> None:
    """Retries of one declared use racing each other: all answer the same log line, no 500."""
    with client_for(pg_consent_url, "portal") as portal:
        view = ask(portal, make_iin())
        grant_by_otp(portal, stand_in, view.id)
        for round_ in range(5):
            clients = [client_for(pg_consent_url, "portal") for _ in range(4)]

            def declare(client: ConsentClient, key: str = f"retry-{round_}") -> UseView:
                return client.record_use(view.id, "portal", "rent_to_own.application", ["iin"], use_id=key)

            try:
                results = _race(*(functools.partial(declare, c) for c in clients))
            finally:
                for c in clients:
                    c.close()
            assert [getattr(r, "id", r) for r in results] == [f"retry-{round_}"] * 4
        uses = portal.uses(view.id)

    assert sorted(u.id for u in uses) == [f"retry-{i}" for i in range(5)]
