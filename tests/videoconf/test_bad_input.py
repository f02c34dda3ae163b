"""Requests the fuzzer's reach found answered with a 500: each now gets a 4xx problem."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from common.ids import make_iin
from common.service_auth import mint_service_token
from common.service_keys import development_key
from tests.support.live import serve
from videoconf.main import create_app


@pytest.fixture
def videoconf(fresh_data_dir: Path) -> Iterator[httpx.Client]:
    token = mint_service_token(development_key("registry_gateway"), "videoconf", lifetime_s=600)
    with (
        serve(create_app()) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client,
    ):
        yield client


def _room(starts_at: str) -> dict[str, object]:
    return {
        "case_ref": "case-1",
        "starts_at": starts_at,
        "participants": [
            {"iin": make_iin(date(1985, 3, 1), "F", 21), "role": "registrar", "name": "ТЕСТОВА РЕГИНА"},
            {"iin": make_iin(date(1990, 5, 17), "M", 22), "role": "applicant", "name": "АХМЕТОВ АЙДАР"},
        ],
    }


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:59:59-23:59", "1990-01-01T10:00:00Z"])
def test_a_session_time_off_the_usable_calendar_is_refused(videoconf: httpx.Client, starts_at: str) -> None:
    # The first one cannot be converted to UTC for storage; it used to end in an OverflowError.
    response = videoconf.post("/v1/rooms", json=_room(starts_at))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "request.invalid"


def test_a_session_time_with_an_offset_is_kept_as_the_same_instant(videoconf: httpx.Client) -> None:
    room = videoconf.post("/v1/rooms", json=_room("2030-01-02T15:00:00+05:00"))
    assert room.status_code == 201, room.text
    assert room.json()["starts_at"] in ("2030-01-02T10:00:00Z", "2030-01-02T10:00:00+00:00")
