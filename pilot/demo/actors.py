"""The people of the demo: deterministic identities with keys from the mock national CA, each
using the portal over HTTP with an EDS login, signing documents with their own signing key."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import httpx

from common.eds import Identity, IssuedIdentity, KeyStore, MockCA, Role, dump_p12, sign_detached
from common.http_client import tls_context
from registry_gateway.domain.seed import SEED_PERSONS

__all__ = ["SEED_BY_KEY", "Actor", "DemoPeople", "ExpectedStatus", "sign_b64"]

SEED_BY_KEY = {person.key: person for person in SEED_PERSONS}

_PASSWORD = "demo"  # noqa: S105 — protects throw-away demo key stores only


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
        body = self.call(
            "POST",
            "/v1/auth/login",
            json={"challenge_id": challenge["challenge_id"], "cms": self.sign_auth(raw)},
        )
        self.roles = body["roles"]
        self.http.headers["Authorization"] = f"Bearer {body['token']}"
        return self

    def call(
        self, method: str, path: str, *, expect: int | tuple[int, ...] = (200, 201), **kwargs: Any
    ) -> Any:
        response = self.http.request(method, path, **kwargs)
        wanted = (expect,) if isinstance(expect, int) else expect
        if response.status_code not in wanted:
            raise ExpectedStatus(
                f"{self.label}: {method} {path} → {response.status_code} {response.text[:400]}"
            )
        if response.headers.get("content-type", "").startswith(
            ("application/json", "application/problem+json")
        ):
            return response.json()
        return response.content

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def get_bytes(self, path: str) -> bytes:
        """Exact bytes (documents to sign, CMS, receipts), whatever their media type."""
        response = self.http.get(path)
        if response.status_code != 200:
            raise ExpectedStatus(f"{self.label}: GET {path} → {response.status_code} {response.text[:400]}")
        return response.content

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, json=body, **kwargs)

    def put(self, path: str, body: Any) -> Any:
        return self.call("PUT", path, json=body)


@dataclass
class DemoPeople:
    """The same people every run: the seeded persons register of the registry gateway's stand-in
    (an unmarried applicant and her guarantor, a married couple, a person on the financing-of-
    terrorism list, KZhK's head, a registrar) with keys from the mock national CA."""

    ca: MockCA
    housing_company_bin: str
    housing_company_name: str
    registrar_org_bin: str
    registrar_org_name: str

    def identity(self, key: str, role: Role | None = None) -> Identity:
        person = SEED_BY_KEY[key]
        surname, given, patronymic = person.ru
        if role is None:
            return Identity.individual(person.iin, surname, given, patronymic)
        if role is Role.EMPLOYEE and key == "registrar":
            return Identity.officer(
                person.iin,
                surname,
                given,
                bin=self.registrar_org_bin,
                organisation=self.registrar_org_name,
                role=role,
                patronymic=patronymic,
            )
        return Identity.officer(
            person.iin,
            surname,
            given,
            bin=self.housing_company_bin,
            organisation=self.housing_company_name,
            role=role,
            patronymic=patronymic,
        )

    def actor(self, key: str, base_url: str, role: Role | None = None, *, label: str | None = None) -> Actor:
        person = SEED_BY_KEY[key]
        identity = self.identity(key, role)
        return Actor(
            label or key.replace("_", " "),
            person.iin,
            identity.surname,
            identity.given_name,
            self.ca.issue(identity),
            httpx.Client(base_url=base_url, timeout=60, verify=tls_context()),
        )

    def officer_actor(self, iin: str, base_url: str) -> Actor:
        """A KZhK employee: not in the seeded register, known to the portal by the company's BIN."""
        identity = Identity.officer(
            iin,
            "Қасымова",
            "Әлия",
            bin=self.housing_company_bin,
            organisation=self.housing_company_name,
            role=Role.EMPLOYEE,
        )
        return Actor(
            "KZhK officer",
            iin,
            identity.surname,
            identity.given_name,
            self.ca.issue(identity),
            httpx.Client(base_url=base_url, timeout=60, verify=tls_context()),
        )
