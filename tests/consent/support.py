"""Helpers of the consent tests: identities, the SMS/callback stand-in, and short use-case steps."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request

from common.eds import IssuedIdentity, dump_p12, sign_detached
from common.ids import check_digit
from common.service_keys import development_key
from consent.client import ConsentClient
from consent.schemas import ConsentView

PASSWORD = "consent-tests"
_serial = itertools.count(1000)


def make_iin(birth: str = "900101", century_sex: str = "3") -> str:
    """A valid IIN with a fresh serial: birth YYMMDD, century/sex digit, serial, check digit."""
    while True:
        first11 = f"{birth}{century_sex}{next(_serial):04d}"
        digit = check_digit(first11)
        if digit is not None:
            return first11 + str(digit)


@dataclass
class StandIn:
    """Plays the SMS gateway (`outside`) and the portal's and gateway's callback endpoints."""

    url: str = ""
    sms: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    callback_status: int = 200

    def sms_for(self, consent_id: str) -> list[dict[str, Any]]:
        """The texts sent about a consent: each carries the link to its subject page."""
        return [m for m in self.sms if f"/subject/consents/{consent_id}?" in m["body"]["text"]]

    def code_for(self, consent_id: str, timeout: float = 10.0) -> str:
        """The latest one-time code texted for a consent (waits for the outbox to deliver it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = [m["body"]["text"] for m in self.sms_for(consent_id)]
            if texts:
                match = re.search(r"\b(\d{6})\b", texts[-1])
                assert match, texts[-1]
                return match.group(1)
            time.sleep(0.02)
        raise AssertionError(f"no SMS for {consent_id}")

    def callbacks_for(self, consent_id: str) -> list[dict[str, Any]]:
        return [c for c in self.callbacks if c["body"]["consent_id"] == consent_id]


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def stand_in_app(state: StandIn) -> FastAPI:
    app = FastAPI()
    lock = threading.Lock()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/sms")
    async def sms(request: Request) -> dict[str, str]:
        with lock:
            state.sms.append({"headers": dict(request.headers), "body": await request.json()})
        return {"status": "queued"}

    @app.post("/v1/callbacks/consent")
    async def callback(request: Request) -> Any:
        from fastapi.responses import JSONResponse

        body = await request.json()
        with lock:
            if state.callback_status < 300:
                state.callbacks.append({"headers": dict(request.headers), "body": body})
        return JSONResponse({"ok": True}, status_code=state.callback_status)

    return app


@dataclass
class Subject:
    iin: str
    name: str
    issued: IssuedIdentity

    def sign(self, content: bytes, *, auth_key: bool = False) -> bytes:
        store = self.issued.auth if auth_key else self.issued.sign
        return sign_detached(content, dump_p12(store, PASSWORD, "test"), PASSWORD)


def client_for(url: str, service: str) -> ConsentClient:
    return ConsentClient(url, caller_key=development_key(service), attempts=1)


_cases = itertools.count(1)


def ask(client: ConsentClient, subject_iin: str, **overrides: Any) -> ConsentView:
    """A fresh PENDING consent for the rent-to-own application (a new case each time)."""
    params: dict[str, Any] = {
        "subject_iin": subject_iin,
        "subject_name": "ТЕСТОВ ТЕСТ",
        "purpose": "rent_to_own.application",
        "requester": "portal",
        "case_ref": f"app-{next(_cases)}",
        "phone": "+77011234567",
        "lang": "kk",
    }
    params.update(overrides)
    return client.request_consent(**params)


def grant_by_otp(client: ConsentClient, stand_in: StandIn, consent_id: str) -> ConsentView:
    before = len(stand_in.sms_for(consent_id))
    client.send_otp(consent_id)
    wait_until(lambda: len(stand_in.sms_for(consent_id)) > before)
    return client.grant_with_otp(consent_id, stand_in.code_for(consent_id))


def recent(moment: datetime) -> bool:
    return abs(datetime.now(UTC) - moment) < timedelta(minutes=1)
