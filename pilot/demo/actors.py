"""The people of the demo: deterministic identities with keys from the mock national CA, each
using the portal over HTTP with an EDS login, signing documents with their own signing key."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from common.eds import Identity, IssuedIdentity, KeyStore, MockCA, Role, dump_p12, sign_detached
from common.ids import Sex, make_iin

__all__ = ["Actor", "DemoPeople", "ExpectedStatus", "sign_b64"]

_PASSWORD = "demo"


def sign_b64(store: KeyStore, content: bytes) -> str:
    """A detached CMS over `content`, base64 DER — what NCALayer hands a page."""
    return base64.b64encode(sign_detached(content, dump_p12(store, _PASSWORD, "demo"), _PASSWORD)).decode()


class ExpectedStatus(AssertionError):
    pass


@dataclass
class Actor:
    """One person at a service's API, logged in with their authentication key."""

    label: str
    iin: str
    surname: str
    given_name: str
    keys: IssuedIdentity
    http: httpx.Client
    roles: list[str] = field(default_factory=list)

    def sign(self, content: bytes) -> str:
        return sign_b64(self.keys.sign, content)

    def sign_auth(self, content: bytes) -> str:
        return sign_b64(self.keys.auth, content)

    def login(self) -> Actor:
        challenge = self.call("POST", "/v1/auth/challenge")
        raw = base64.b64decode(challenge["challenge_b64"])
        body = self.call("POST", "/v1/auth/login",
                         json={"challenge_id": challenge["challenge_id"], "cms": self.sign_auth(raw)})
        self.roles = body["roles"]
        self.http.headers["Authorization"] = f"Bearer {body['token']}"
        return self

    def call(self, method: str, path: str, *, expect: int | tuple[int, ...] = (200, 201), **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        wanted = (expect,) if isinstance(expect, int) else expect
        if response.status_code not in wanted:
            raise ExpectedStatus(f"{self.label}: {method} {path} → {response.status_code} {response.text[:400]}")
        if response.headers.get("content-type", "").startswith(("application/json", "application/problem+json")):
            return response.json()
        return response.content

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, json=body, **kwargs)

    def put(self, path: str, body: Any) -> Any:
        return self.call("PUT", path, json=body)


@dataclass(frozen=True)
class Person:
    label: str
    iin: str
    surname: str
    given_name: str
    sex: Sex
    born: date
    phone: str


def _person(label: str, surname: str, given: str, sex: Sex, born: date, serial: int, phone: str) -> Person:
    return Person(label, make_iin(born, sex, serial), surname, given, sex, born, phone)


@dataclass
class DemoPeople:
    """The same people every run: an applicant and her guarantor, a second applicant who is refused,
    a married applicant whose spouse misses the video check, KZhK's officer and head, a registrar."""

    ca: MockCA
    housing_company_bin: str
    housing_company_name: str
    state_corporation_bin: str
    applicant: Person = _person("applicant", "Серікова", "Айгерім", Sex.FEMALE, date(1994, 3, 12), 101, "+77011110101")
    guarantor: Person = _person("guarantor", "Ахметов", "Дәурен", Sex.MALE, date(1980, 9, 2), 102, "+77011110102")
    refused: Person = _person("refused applicant", "Нұрланов", "Бауыржан", Sex.MALE, date(1988, 1, 25), 103,
                              "+77011110103")
    married: Person = _person("married applicant", "Жақсылықова", "Дина", Sex.FEMALE, date(1991, 7, 7), 104,
                              "+77011110104")
    spouse: Person = _person("spouse", "Жақсылықов", "Арман", Sex.MALE, date(1990, 4, 4), 105, "+77011110105")
    officer: Person = _person("KZhK officer", "Қасымова", "Әлия", Sex.FEMALE, date(1993, 2, 2), 106, "+77011110106")
    head: Person = _person("KZhK head", "Омаров", "Ерлан", Sex.MALE, date(1975, 6, 10), 107, "+77011110107")
    registrar: Person = _person("registrar", "Төлегенова", "Сәуле", Sex.FEMALE, date(1986, 11, 30), 108,
                                "+77011110108")

    def keys(self, person: Person, role: Role | None = None, *, organisation: str | None = None,
             bin_: str | None = None) -> IssuedIdentity:
        if role is None:
            return self.ca.issue(Identity.individual(person.iin, person.surname, person.given_name))
        identity = Identity.officer(person.iin, person.surname, person.given_name, bin=bin_ or "",
                                    organisation=organisation or "", role=role)
        return self.ca.issue(identity)

    def actor(self, person: Person, base_url: str, keys: IssuedIdentity | None = None) -> Actor:
        return Actor(person.label, person.iin, person.surname, person.given_name, keys or self.keys(person),
                     httpx.Client(base_url=base_url, timeout=60))

    def staff(self, person: Person, base_url: str, role: Role) -> Actor:
        keys = self.keys(person, role, organisation=self.housing_company_name, bin_=self.housing_company_bin)
        return self.actor(person, base_url, keys)
