"""Witnesses as the log sees them: the embedded tlog-witness endpoints refuse stale sizes (409)
and bad proofs (422), and a checkpoint without its quorum is never published."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Response

from chain.client import ChainClient, sha256_hex
from chain.keys import log_signer
from chain.main import create_app
from chain.witnesses import add_checkpoint_body
from common.checkpoint import Checkpoint, sign_checkpoint
from common.http_client import ServiceUnavailable
from common.merkle import root_of
from common.notes import SIG_COSIGNATURE_V1, Signer
from common.witness import SIZE_CONTENT_TYPE
from tests.chain.conftest import client_for
from tests.support.live import serve


def _append(client: ChainClient, n: int, prefix: str = "w") -> int:
    return [
        client.append(
            kind="lease.signed",
            ref={"application_id": f"{prefix}-{i}"},
            doc_sha256=sha256_hex(f"{prefix}{i}".encode()),
            media_type="application/pdf",
        )
        for i in range(n)
    ][-1].index


def _wait_for_checkpoint(url: str, size: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        response = httpx.get(f"{url}/v1/checkpoint")
        if response.status_code == 200 and f"\n{size}\n" in response.text:
            return
        time.sleep(0.1)
    raise AssertionError(f"checkpoint {size} not published")


def test_embedded_witness_refuses_stale_sizes_and_bad_proofs(chain_url: str, portal: ChainClient) -> None:
    _append(portal, 5)
    _wait_for_checkpoint(chain_url, 5)
    endpoint = f"{chain_url}/witness/registrar/add-checkpoint"
    # A log-signed head of a different tree (as a compromised log key would sign): a fork.
    fork = sign_checkpoint(Checkpoint(log_signer().name, 9, root_of([b"\x00" * 32] * 9)), log_signer())

    stale = httpx.post(endpoint, content=add_checkpoint_body(2, [b"\x11" * 32], fork))
    assert stale.status_code == 409
    assert stale.headers["content-type"] == SIZE_CONTENT_TYPE
    assert stale.text.strip() == "5"

    bad = httpx.post(endpoint, content=add_checkpoint_body(5, [b"\x11" * 32] * 3, fork))
    assert bad.status_code == 422
    # The witness kept its state: the log's next honest checkpoint is still cosigned.
    _append(portal, 1, prefix="next")
    _wait_for_checkpoint(chain_url, 6)


@pytest.fixture
def underwitnessed_url(fresh_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CHAIN_PUBLISH_INTERVAL_S", "0.1")
    monkeypatch.setenv("CHAIN_EMBEDDED_WITNESSES", '["registrar"]')
    # The second witness is unreachable: one cosignature of the two the quorum needs.
    elsewhere = Signer("rto-pilot.kz/witness/elsewhere", b"\x07" * 32, SIG_COSIGNATURE_V1).verifier.vkey
    monkeypatch.setenv("CHAIN_EXTERNAL_WITNESSES", f'["{elsewhere} http://127.0.0.1:9"]')
    monkeypatch.setenv("CHAIN_WITNESS_TIMEOUT_S", "0.2")
    with serve(create_app()) as url:
        yield url


def test_without_a_quorum_nothing_is_published(underwitnessed_url: str) -> None:
    with client_for(underwitnessed_url, "portal") as client:
        index = _append(client, 2)
        time.sleep(0.5)  # several publishing rounds
        checkpoint = httpx.get(f"{underwitnessed_url}/v1/checkpoint")
        assert (checkpoint.status_code, checkpoint.json()["code"]) == (503, "chain.no_checkpoint")
        with pytest.raises(ServiceUnavailable) as pending:
            client.receipt(index)
        assert pending.value.code == "chain.receipt_pending"
    keys = httpx.get(f"{underwitnessed_url}/v1/keys").json()
    assert len(keys["witnesses"]) == 2
    assert keys["quorum"] == 2


def test_a_witness_answering_nonsense_does_not_stop_the_others_quorum(
    fresh_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy's 409 page where the witness's tree size belongs: that witness counts as failed,
    and the two others still cosign and publish."""
    proxy = FastAPI()

    @proxy.post("/add-checkpoint")
    def busy() -> Response:
        return Response("<html>409 Conflict</html>", status_code=409, media_type="text/html")

    monkeypatch.setenv("CHAIN_PUBLISH_INTERVAL_S", "0.1")
    monkeypatch.setenv("CHAIN_EMBEDDED_WITNESSES", '["registrar", "credit-bureau"]')
    behind_proxy = Signer("rto-pilot.kz/witness/proxied", b"\x08" * 32, SIG_COSIGNATURE_V1).verifier.vkey
    with serve(proxy) as proxy_url:
        monkeypatch.setenv("CHAIN_EXTERNAL_WITNESSES", f'["{behind_proxy} {proxy_url}"]')
        with serve(create_app()) as url, client_for(url, "portal") as client:
            index = _append(client, 2, prefix="proxied")
            _wait_for_checkpoint(url, index + 1)
            assert client.receipt(index)
