"""Typed HTTP client of the chain service — the only module other services import."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from chain.schemas import AppendResult
from common.canonical import canonical_bytes
from common.entries import build_body, sign_body
from common.http_client import ServiceClient, ServiceError, ServiceUnavailable
from common.outbox import PermanentDeliveryError

__all__ = ["ChainClient", "sha256_hex"]

# Refusals worth retrying besides ServiceUnavailable (unreachable, 502/503/504): the request
# timed out or came too early or too often. Every other refusal would refuse the same body again.
_TRANSIENT_STATUSES = frozenset({408, 425, 429})


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ChainClient(ServiceClient):
    audience = "chain"

    def append(
        self,
        *,
        kind: str,
        ref: dict[str, str],
        doc_sha256: str,
        media_type: str,
        evidence: list[dict[str, str]] | None = None,
        submitted_at: datetime | None = None,
    ) -> AppendResult:
        """Sign the body with this service's key and append it; the same body again returns the same index."""
        if self._caller_key is None:
            raise ValueError("appending needs the submitting service's key (caller_key)")
        body = build_body(
            kind=kind,
            ref=ref,
            doc_sha256=doc_sha256,
            media_type=media_type,
            evidence=evidence or [],
            submitter=self._caller_key.service,
            submitted_at=submitted_at or datetime.now(UTC),
        )
        sig = sign_body(body, self._caller_key)
        # Idempotent by content: a retry of the same signed body lands on the same index.
        key = sha256_hex(canonical_bytes(body))
        return AppendResult.model_validate(
            self.post_json("/v1/entries", {"body": body, "sig": sig}, idempotency_key=key)
        )

    def append_payload(self, payload: Mapping[str, Any]) -> AppendResult:
        """Append the entry an outbox message describes, for the sender's outbox handler.

        `payload` carries `kind`, `ref`, `doc_sha256`, `media_type`, `evidence` and `submitted_at`
        (ISO 8601, fixed when the message was queued, so a retry sends the same body and lands on
        the same index); other keys are the sender's own and ignored here. A transient failure is
        raised as it is, for the outbox to retry with backoff; any other refusal is raised as
        PermanentDeliveryError, which stops the retries.
        """
        try:
            return self.append(
                kind=payload["kind"],
                ref=dict(payload["ref"]),
                doc_sha256=payload["doc_sha256"],
                media_type=payload["media_type"],
                evidence=list(payload["evidence"]),
                submitted_at=datetime.fromisoformat(payload["submitted_at"]),
            )
        except ServiceError as exc:
            if isinstance(exc, ServiceUnavailable) or exc.status in _TRANSIENT_STATUSES:
                raise
            raise PermanentDeliveryError(f"chain refused {payload['kind']}: {exc}") from exc

    def receipt(self, index: int) -> str:
        """The C2SP tlog-proof receipt of an entry (text), once a cosigned checkpoint covers it."""
        return self.request("GET", f"/v1/receipts/{index}").text

    def entry_bytes(self, index: int) -> bytes:
        return self.request("GET", f"/v1/entries/{index}").content
