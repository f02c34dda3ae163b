"""People with EDS keys from the mock CA, and a browser-less portal user over real HTTP."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import httpx

from common.eds import IssuedIdentity, KeyStore, dump_p12, sign_detached

_PW = "test-pass"


def sign_with(store: KeyStore, content: bytes) -> str:
    """A detached CMS over `content`, base64 DER (what `createCAdESFromBase64` returns)."""
    der = sign_detached(content, dump_p12(store, _PW, "test"), _PW)
    return base64.b64encode(der).decode()


@dataclass
class Person:
    iin: str
    keys: IssuedIdentity
    http: httpx.Client
    token: str | None = None
    roles: list[str] = field(default_factory=list)

    def sign(self, content: bytes) -> str:
        return sign_with(self.keys.sign, content)

    def load_list(self, rows: list[tuple[str, str]], *, akimat: str = "Astana") -> httpx.Response:
        """An officer loads an akimat's list of budget employees: (IIN, phone) rows."""
        csv = "iin,category,phone\n" + "".join(f"{iin},budget_employee,{phone}\n" for iin, phone in rows)
        return self.http.post(
            "/v1/lists", params={"akimat": akimat}, content=csv, headers={"Content-Type": "text/csv"}
        )

    def login(self) -> Person:
        challenge = self.http.post("/v1/auth/challenge").json()
        raw = base64.b64decode(challenge["challenge_b64"])
        answer = self.http.post(
            "/v1/auth/login",
            json={"challenge_id": challenge["challenge_id"], "cms": sign_with(self.keys.auth, raw)},
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        self.token, self.roles = body["token"], body["roles"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"
        self.http.cookies.clear()
        return self

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.http.post(path, json=body, **kwargs)

    def put(self, path: str, body: Any) -> httpx.Response:
        return self.http.put(path, json=body)
