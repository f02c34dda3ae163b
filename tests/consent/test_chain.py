"""Grants and revocations go on the chain as hashes only, from the outbox, after commit."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from chain.client import ChainClient
from consent.client import ConsentClient
from consent.db import get_engine
from consent.main import create_app
from consent.models import Outbox
from tests.consent.support import StandIn, Subject, ask, client_for, wait_until
from tests.support.live import serve


def _chain_messages() -> list[Outbox]:
    with Session(get_engine()) as session:
        return list(session.exec(select(Outbox).where(Outbox.topic == "chain.append")).all())


def test_while_the_chain_is_down_the_outbox_keeps_the_entry(portal: ConsentClient, subject: Subject) -> None:
    view = ask(portal, subject.iin)
    cms = subject.sign(portal.artefact_bytes(view.id))
    portal.grant_with_cms(view.id, cms)

    message = wait_until(lambda: [m for m in _chain_messages() if m.attempts > 0])[0]
    assert message.delivered_at is None
    assert message.failed_at is None
    assert message.payload["kind"] == "consent.granted"
    assert message.payload["doc_sha256"] == view.artefact_sha256
    assert message.payload["evidence"] == [{"type": "cms", "sha256": hashlib.sha256(cms).hexdigest()}]
    text = json.dumps(message.payload, ensure_ascii=False)
    assert subject.iin not in text
    assert "ТЕСТОВ" not in text
    assert portal.get(view.id).chain_index is None


@pytest.fixture
def chain_url(consent_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from chain.main import create_app as create_chain

    monkeypatch.setenv("CHAIN_PUBLISH_INTERVAL_S", "0.1")
    with serve(create_chain()) as url:
        monkeypatch.setenv("RTO_CHAIN_URL", url)
        yield url


def test_grant_and_revocation_are_appended_and_indexed(
    chain_url: str, stand_in: StandIn, subject: Subject
) -> None:
    with serve(create_app()) as consent_url, client_for(consent_url, "portal") as portal:
        view = ask(portal, subject.iin)
        cms = subject.sign(portal.artefact_bytes(view.id))
        portal.grant_with_cms(view.id, cms)
        granted = wait_until(lambda: (v := portal.get(view.id)).chain_index is not None and v)
        portal.request_revocation(view.id, "I changed my mind")
        portal.decide_revocation(view.id, True, "no obligation remains")
        revoked = wait_until(lambda: (v := portal.get(view.id)).revocation_chain_index is not None and v)

    with ChainClient(chain_url) as chain:
        entries = [
            json.loads(chain.entry_bytes(i)) for i in (granted.chain_index, revoked.revocation_chain_index)
        ]
    assert [e["body"]["kind"] for e in entries] == ["consent.granted", "consent.revoked"]
    for entry in entries:
        assert entry["body"]["doc"]["sha256"] == view.artefact_sha256
        assert entry["body"]["ref"]["consent"] == view.id
        assert entry["body"]["submitter"] == "consent"
        assert subject.iin not in json.dumps(entry, ensure_ascii=False)
    assert {"type": "cms", "sha256": hashlib.sha256(cms).hexdigest()} in entries[0]["body"]["evidence"]
