"""The outside parties' stand-in app (port 8005): `uvicorn pilot.outside.main:create_app --factory`.

* Credit bureau: `POST /v1/bureau/webhooks` verifies Standard Webhooks signatures with the
  `standardwebhooks` package and keeps each `webhook-id` once; `GET` lists what arrived;
  `POST /v1/bureau/outage` makes it answer 500 for a while (reliability tests and demos).
* SMS centre and e-gov cabinet inbox: `POST /v1/sms`, `POST /v1/egov/messages` answer an
  automatic receipt with the dates of sending and receipt, once per `ref`.
* Payment gateway: `POST /v1/payments` charges a fee and issues a receipt signed with Ed25519
  over its RFC 8785 form; `GET /v1/payments/key` publishes the public key.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from standardwebhooks import Webhook, WebhookVerificationError

from pilot.outside.store import Store

__all__ = ["create_app"]

# Public development defaults; a real deployment sets its own through the environment.
_DEV_BUREAU_SECRET = "whsec_" + base64.b64encode(hashlib.sha256(b"rto-dev-bureau-webhook").digest()).decode()
_DEV_PAYMENT_SEED = hashlib.sha256(b"rto-dev-payment-gateway").digest()


class SmsIn(BaseModel):
    to: str = Field(pattern=r"^\+?[0-9]{10,15}$")
    text: str = Field(min_length=1, max_length=1000)
    ref: str = Field(min_length=1, max_length=100)
    sent_at: datetime | None = None


class EgovIn(BaseModel):
    iin: str = Field(pattern=r"^[0-9]{12}$")
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=5000)
    ref: str = Field(min_length=1, max_length=100)
    sent_at: datetime | None = None


class PaymentIn(BaseModel):
    reference: str = Field(min_length=1, max_length=100)
    amount: str
    payer: str | None = Field(default=None, pattern=r"^[0-9]{12}$")


class OutageIn(BaseModel):
    seconds: float = Field(ge=0, le=86400)  # 0 ends the outage


def _problem(status: int, code: str, detail: str) -> JSONResponse:
    body = {"type": f"urn:rto:problem:{code}", "status": status, "code": code, "detail": detail}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def create_app() -> FastAPI:
    app = FastAPI(title="Outside parties (stand-ins)", description=__doc__)
    store = Store()
    webhook = Webhook(os.environ.get("OUTSIDE_BUREAU_SECRET", _DEV_BUREAU_SECRET))
    seed = (
        bytes.fromhex(os.environ["OUTSIDE_PAYMENT_KEY_SEED"])
        if "OUTSIDE_PAYMENT_KEY_SEED" in os.environ
        else None
    )
    payment_key = Ed25519PrivateKey.from_private_bytes(seed or _DEV_PAYMENT_SEED)
    public_raw = payment_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = hashlib.sha256(public_raw).hexdigest()[:16]
    outage = {"until": 0.0}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "outside"}

    # ------------------------------------------------------------ credit bureau

    @app.post("/v1/bureau/webhooks")
    async def receive_webhook(request: Request) -> JSONResponse:
        if time.monotonic() < outage["until"]:
            return _problem(500, "bureau.down", "the receiver is down (simulated outage)")
        body = await request.body()
        try:
            payload = webhook.verify(body, dict(request.headers))
        except (WebhookVerificationError, ValueError) as exc:  # a malformed header raises ValueError
            return _problem(401, "webhook.signature_invalid", str(exc))
        first, received_at = store.webhook(
            request.headers["webhook-id"], payload, request.headers["webhook-timestamp"]
        )
        return JSONResponse({"received_at": received_at, "duplicate": not first})

    @app.get("/v1/bureau/webhooks")
    def list_webhooks() -> list[dict[str, Any]]:
        return store.webhooks()

    @app.post("/v1/bureau/outage")
    def set_outage(body: OutageIn) -> dict[str, float]:
        outage["until"] = time.monotonic() + body.seconds
        return {"down_for_s": body.seconds}

    # ------------------------------------------------------------ SMS and e-gov cabinet

    @app.post("/v1/sms")
    def sms(body: SmsIn) -> dict[str, Any]:
        sent = body.sent_at.isoformat() if body.sent_at else None
        return store.deliver("sms", body.to, body.ref, {"text": body.text}, sent)

    @app.get("/v1/sms")
    def sms_list(to: str | None = None) -> list[dict[str, Any]]:
        return store.inbox("sms", to)

    @app.post("/v1/egov/messages")
    def egov(body: EgovIn) -> dict[str, Any]:
        sent = body.sent_at.isoformat() if body.sent_at else None
        return store.deliver("egov", body.iin, body.ref, {"subject": body.subject, "body": body.body}, sent)

    @app.get("/v1/egov/messages")
    def egov_list(iin: str | None = None) -> list[dict[str, Any]]:
        return store.inbox("egov", iin)

    # ------------------------------------------------------------ payment gateway

    @app.get("/v1/payments/key")
    def payments_key() -> dict[str, str]:
        return {"alg": "Ed25519", "key_id": key_id, "public_key_b64": base64.b64encode(public_raw).decode()}

    @app.post("/v1/payments", response_model=None)
    def pay(body: PaymentIn) -> dict[str, Any] | JSONResponse:
        try:
            amount = Decimal(body.amount)
        except InvalidOperation:
            return _problem(422, "payment.amount_invalid", "amount is not a decimal number")
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            return _problem(422, "payment.amount_invalid", "amount must be positive, in tiyn")
        existing = store.payment(body.reference)
        if existing is not None:  # one payment per reference: a retry gets the same receipt
            return existing
        receipt: dict[str, Any] = {
            "receipt_id": "PAY-" + uuid.uuid4().hex[:12].upper(),
            "reference": body.reference,
            "amount": str(amount.quantize(Decimal("0.01"))),
            "currency": "KZT",
            "payer": body.payer,
            "paid_at": datetime.now(UTC).isoformat(),
            "issuer": "payment-gateway-standin",
            "key_id": key_id,
        }
        receipt["signature"] = base64.b64encode(payment_key.sign(rfc8785.dumps(receipt))).decode()
        return store.save_payment(body.reference, receipt)

    @app.get("/v1/payments")
    def payments() -> list[dict[str, Any]]:
        return store.payments()

    # ------------------------------------------------------------ what arrived, for people

    @app.get("/", response_class=HTMLResponse)
    def overview() -> str:
        def rows(items: list[dict[str, Any]], cells: list[str]) -> str:
            return "".join(
                "<tr>" + "".join(f"<td>{html.escape(str(item.get(c, '')))}</td>" for c in cells) + "</tr>"
                for item in items
            )

        hooks = [{**w, "case": w["payload"].get("data", {}).get("case_id")} for w in store.webhooks()]
        egov_rows = [{**m, "subject": m["body"].get("subject")} for m in store.inbox("egov")]
        sms_rows = [{**m, "text": m["body"].get("text")} for m in store.inbox("sms")]
        head = "<th>{}</th>" * 5
        return (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Outside parties</title>"
            "<style>body{font-family:system-ui;margin:1rem}td,th{border-bottom:1px solid #ccc;padding:.3rem;"
            "text-align:left}</style></head><body><h1>Outside parties (stand-ins)</h1>"
            "<h2>Credit bureau: verified webhooks</h2><table><tr>"
            + head.format("webhook-id", "type", "case", "received", "attempts")
            + "</tr>"
            + rows(hooks, ["webhook_id", "type", "case", "received_at", "attempts"])
            + "</table><h2>e-gov cabinet</h2><table><tr>"
            + head.format("IIN", "subject", "ref", "sent", "received")
            + "</tr>"
            + rows(egov_rows, ["recipient", "subject", "ref", "sent_at", "received_at"])
            + "</table><h2>SMS</h2><table><tr>"
            + head.format("to", "text", "ref", "sent", "received")
            + "</tr>"
            + rows(sms_rows, ["recipient", "text", "ref", "sent_at", "received_at"])
            + "</table></body></html>"
        )

    app.router.on_shutdown.append(store.close)
    return app
