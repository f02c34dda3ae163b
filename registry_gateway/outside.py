"""HTTP client of the outside parties the gateway talks to (their stand-ins live in
`pilot/outside`): the payment gateway, the e-gov cabinet inbox and the SMS centre."""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from common.canonical import canonical_bytes
from common.http_client import ServiceClient

__all__ = ["OutsideClient", "receipt_signature_valid"]


class OutsideClient(ServiceClient):
    audience = "outside"

    def pay(self, reference: str, amount: Decimal, payer: str | None) -> dict[str, Any]:
        """Charge the fee; the gateway answers the same receipt for the same reference again.
        The receipt is returned as sent: its signature covers exactly these fields."""
        body = {"reference": reference, "amount": str(amount), "payer": payer}
        return dict(self.post_json("/v1/payments", body, idempotency_key=f"pay:{reference}"))

    def payment_key(self) -> str:
        return str(self.get_json("/v1/payments/key")["public_key_b64"])

    def egov_message(self, iin: str, subject: str, body: str, ref: str, sent_at: datetime) -> dict[str, Any]:
        payload = {"iin": iin, "subject": subject, "body": body, "ref": ref, "sent_at": sent_at.isoformat()}
        return dict(self.post_json("/v1/egov/messages", payload, idempotency_key=ref))

    def sms(self, to: str, text: str, ref: str, sent_at: datetime) -> dict[str, Any]:
        payload = {"to": to, "text": text, "ref": ref, "sent_at": sent_at.isoformat()}
        return dict(self.post_json("/v1/sms", payload, idempotency_key=ref))


def receipt_signature_valid(receipt: dict[str, Any], public_key_b64: str) -> bool:
    """Ed25519 over the RFC 8785 form of the receipt without its signature."""
    signed = {k: v for k, v in receipt.items() if k != "signature"}
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
        key.verify(base64.b64decode(str(receipt.get("signature", ""))), canonical_bytes(signed))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
