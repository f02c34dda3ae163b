"""Requests the fuzzer found answered with a 500: each now gets a 4xx problem with a stable code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from common.db import session_scope
from common.service_auth import mint_service_token
from common.service_keys import development_key
from registry_gateway.db import get_engine
from registry_gateway.main import create_app
from registry_gateway.models import Person
from tests.support.live import serve


@pytest.fixture
def gateway(
    fresh_data_dir: Path, shared_pki: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[httpx.Client]:
    monkeypatch.setenv("REGISTRY_GATEWAY_PKI_DIR", str(shared_pki))
    token = mint_service_token(development_key("portal"), "registry_gateway", lifetime_s=600)
    with (
        serve(create_app()) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client,
    ):
        yield client


def _refused(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    return response.json()["code"]


@pytest.mark.parametrize("born", ["2100-01-01", "1799-12-31", "2090-06-15"])
def test_a_birth_date_no_iin_can_carry_is_refused(gateway: httpx.Client, born: str) -> None:
    response = gateway.post("/v1/scenario/persons", json={"birth_date": born})
    assert _refused(response) == "scenario.birth_date_out_of_range"


@pytest.mark.parametrize("year", [2147483648, 0, 10_000])
def test_a_build_year_off_the_calendar_is_refused(gateway: httpx.Client, year: int) -> None:
    response = gateway.post("/v1/scenario/properties", json={"year_built": year})
    assert _refused(response) == "request.invalid"


@pytest.mark.parametrize("field", ["rooms", "floor", "floors"])
def test_a_number_the_database_cannot_hold_is_refused(gateway: httpx.Client, field: str) -> None:
    response = gateway.post("/v1/scenario/properties", json={field: 2**64})
    assert _refused(response) == "request.invalid"


def test_scenario_persons_can_still_be_made_after_two_thousand(gateway: httpx.Client) -> None:
    # The synthetic serial used to grow with the number of persons and run out at 10 000.
    with session_scope(get_engine()) as session:
        for n in range(2000):
            session.add(
                Person(
                    iin=f"77{n:010d}",
                    surname_kk="А",
                    given_name_kk="Б",
                    surname_ru="А",
                    given_name_ru="Б",
                    birth_date=date(1977, 1, 1),
                    sex="M",
                    address="Астана",
                )
            )
    response = gateway.post("/v1/scenario/persons", json={"birth_date": "1990-01-01"})
    assert response.status_code == 201, response.text
    assert response.json()["iin"].startswith("900101")
