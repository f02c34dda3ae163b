"""`ChainClient.append_payload`, what every service's outbox handler calls: an outbox payload
lands once however often it is sent; what may pass later is raised to be retried, a refusal
stops the retries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from chain.client import ChainClient, sha256_hex
from common.http_client import ServiceError, ServiceUnavailable
from common.outbox import PermanentDeliveryError
from common.service_keys import development_key
from tests.support.live import free_port, serve

PAYLOAD = {
    "kind": "lease.signed",
    "ref": {"application_id": "app-outbox-1"},
    "doc_sha256": sha256_hex(b"lease"),
    "media_type": "application/pdf",
    "evidence": [{"type": "cms", "sha256": sha256_hex(b"cms")}],
    "submitted_at": datetime(2025, 3, 1, 9, 30, tzinfo=UTC).isoformat(),
    "target": ["lease", "l-1"],  # the sender's own key: not part of the entry
}


def _client(url: str) -> ChainClient:
    return ChainClient(url, caller_key=development_key("portal"), attempts=1)


def test_a_resent_payload_lands_on_the_same_index(chain_url: str) -> None:
    with _client(chain_url) as chain:
        first = chain.append_payload(PAYLOAD)
        again = chain.append_payload(dict(PAYLOAD))
    assert again == first


def test_a_refusal_stops_the_retries(chain_url: str) -> None:
    with _client(chain_url) as chain, pytest.raises(PermanentDeliveryError, match=r"chain\.kind_not_allowed"):
        chain.append_payload({**PAYLOAD, "kind": "consent.granted"})  # not the portal's kind


def test_an_unreachable_chain_is_retried_later() -> None:
    with _client(f"http://127.0.0.1:{free_port()}") as chain, pytest.raises(ServiceUnavailable):
        chain.append_payload(PAYLOAD)


def test_too_many_requests_is_retried_later() -> None:
    busy = FastAPI()

    @busy.post("/v1/entries")
    def entries() -> JSONResponse:
        return JSONResponse({"code": "rate_limited"}, status_code=429)

    with serve(busy) as url, _client(url) as chain, pytest.raises(ServiceError) as raised:
        chain.append_payload(PAYLOAD)
    assert raised.value.status == 429  # raised as it is, not as PermanentDeliveryError
