"""The portal on PostgreSQL (distributed mode), where READ COMMITTED lets two transactions read the
same row at once: a double click makes one application, and two applicants cannot both reserve
one flat."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from common.service_keys import development_key
from portal.config import get_settings
from registry_gateway.client import RegistryGatewayClient
from tests.portal.conftest import SERVICES, Stack, _start
from tests.portal.support import Person
from tests.support.postgres import postgres_database

CLICKS = 6


@pytest.fixture
def pg_stack(fresh_data_dir: Path, pki_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    with postgres_database("portal") as url:
        monkeypatch.setenv("PORTAL_DATABASE_URL", url)
        yield from _start(SERVICES, fresh_data_dir, pki_dir, monkeypatch)()


def _invited(stack: Stack, gateway: RegistryGatewayClient, officer: Person, count: int) -> list[Person]:
    records = [gateway.scenario_person(sex="F", birth_date="1995-11-20") for _ in range(count)]
    listed = officer.load_list([(r.iin, f"+7701123450{i}") for i, r in enumerate(records)])
    assert listed.json()["rows_loaded"] == count, listed.text
    return [stack.person(r.iin, r.name_ru.surname, r.name_ru.given_name).login() for r in records]


def test_concurrent_applications_reserve_each_flat_once(pg_stack: Stack) -> None:
    officer = pg_stack.officer().login()
    with RegistryGatewayClient(pg_stack.urls["registry_gateway"], caller_key=development_key("pilot")) as rg:
        flats = [rg.scenario_property(owner_bin=get_settings().housing_company_bin) for _ in range(2)]
        for flat in flats:
            offered = officer.post(
                "/v1/flats", {"cadastral_number": flat.cadastral_number, "price": "9000000.00"}
            )
            assert offered.status_code == 201, offered.text
        first, *rivals = _invited(pg_stack, rg, officer, 1 + CLICKS)

    def apply(person: Person, cadastral_number: str) -> tuple[int, str | None]:
        answer = person.post("/v1/applications", {"cadastral_number": cadastral_number, "term_months": 120})
        return answer.status_code, answer.json().get("code")

    with ThreadPoolExecutor(CLICKS) as pool:
        clicks = list(pool.map(lambda _: apply(first, flats[0].cadastral_number), range(CLICKS)))
        race = list(pool.map(lambda person: apply(person, flats[1].cadastral_number), rivals))
    assert sorted(clicks) == [(201, None), *[(409, "application.exists")] * (CLICKS - 1)]
    assert sorted(race) == [(201, None), *[(409, "flat.reserved")] * (CLICKS - 1)]
    assert len(first.get("/v1/applications").json()) == 1
