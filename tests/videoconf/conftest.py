"""A live videoconf service with a mock CA, people with EDS keys, and a scheduled room."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from common.eds import Identity, IssuedIdentity, dump_p12, sign_detached
from common.ids import make_iin
from common.service_keys import development_key
from tests.support.live import serve
from videoconf.client import VideoconfClient
from videoconf.config import get_ca
from videoconf.main import create_app
from videoconf.schemas import ParticipantSpec

_PASSWORD = "test-password"


@dataclass
class Person:
    role: str
    iin: str
    name: str
    keys: IssuedIdentity

    def sign(self, content: bytes, *, auth: bool = False) -> bytes:
        store = self.keys.auth if auth else self.keys.sign
        return sign_detached(content, dump_p12(store, _PASSWORD, self.name), _PASSWORD)


def make_people(married: bool = True) -> dict[str, Person]:
    ca = get_ca()
    rows = [
        ("registrar", make_iin(date(1985, 3, 1), "F", 11), "ТЕСТОВА", "РЕГИНА"),
        ("applicant", make_iin(date(1990, 5, 17), "M", 12), "АХМЕТОВ", "АЙДАР"),
        ("spouse", make_iin(date(1992, 8, 2), "F", 13), "АХМЕТОВА", "ДИНА"),
        ("housing_company", make_iin(date(1980, 1, 9), "M", 14), "СЕРИКОВ", "БОЛАТ"),
    ]
    if not married:
        rows = [r for r in rows if r[0] != "spouse"]
    people = {}
    for role, iin, surname, given in rows:
        keys = ca.issue(Identity.individual(iin, surname, given))
        people[role] = Person(role, iin, f"{surname} {given}", keys)
    return people


def specs(people: dict[str, Person], married: bool = True) -> list[ParticipantSpec]:
    result = []
    for role, person in people.items():
        extra = {}
        if role == "applicant":
            extra = {"married": married, "document_number": "N12345678", "legally_capable": True}
        result.append(ParticipantSpec(iin=person.iin, role=role, name=person.name, **extra))
    return result


@pytest.fixture
def videoconf_url(fresh_data_dir: Path) -> Iterator[str]:
    with serve(create_app()) as url:
        yield url


@pytest.fixture
def gateway(videoconf_url: str) -> Iterator[VideoconfClient]:
    with VideoconfClient(videoconf_url, caller_key=development_key("registry_gateway")) as client:
        yield client


def schedule(gateway: VideoconfClient, people: dict[str, Person], married: bool = True, case: str = "RC-1"):
    starts_at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    return gateway.schedule_room(case, starts_at, specs(people, married))


async def log_in(http: httpx.AsyncClient, gateway: VideoconfClient, room_id: str, person: Person) -> str:
    """The invitee's EDS login (authentication key); returns the session token."""
    invitation = gateway.invitation(room_id, person.iin)
    challenge = (await http.post("/v1/login/challenge", json={"token": invitation.token})).json()
    cms = person.sign(base64.b64decode(challenge["challenge_b64"]), auth=True)
    response = await http.post(
        "/v1/login",
        json={
            "token": invitation.token,
            "challenge_b64": challenge["challenge_b64"],
            "cms_b64": base64.b64encode(cms).decode(),
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["session_token"]
