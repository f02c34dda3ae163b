"""A whole video check over real HTTP and real WebRTC: EDS login, lobby, forwarding between
Python participants, consent before recording, the checklist, a rejoin that forces
re-verification, and the signed outcome read back by the gateway and appended to the chain."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from sqlmodel import Session, select

from chain.main import create_app as create_chain_app
from common.eds import CaRevocation, TrustAnchors, validate_cms
from pilot.video_peer import PyPeer
from tests.support.live import serve
from tests.videoconf.conftest import log_in, make_people, schedule
from videoconf.client import VideoconfClient
from videoconf.config import get_ca, get_settings
from videoconf.db import get_engine
from videoconf.models import Outbox, Recording
from videoconf.repository import events

T = TypeVar("T")
LUMA = {"registrar": 30, "applicant": 90, "spouse": 150, "housing_company": 210}
CHECK_OK = {"identity_confirmed": True, "legal_capacity_confirmed": True, "free_will_confirmed": True}


@pytest.fixture
def chain_url(fresh_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CHAIN_PUBLISH_INTERVAL_S", "0.1")
    with serve(create_chain_app()) as url:
        monkeypatch.setenv("RTO_CHAIN_URL", url)
        yield url


async def poll(read: Callable[[], T], done: Callable[[T], bool], within_s: float = 15.0) -> T:
    """Read until `done` (the outbox relay works in the background)."""
    deadline = time.monotonic() + within_s
    value = read()
    while not done(value) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        value = read()
    return value


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def join(http: httpx.AsyncClient, room_id: str, token: str, peer: PyPeer) -> None:
    async def signal(offer: dict[str, str]) -> dict[str, str]:
        response = await http.post(f"/v1/rooms/{room_id}/rtc", json=offer, headers=bearer(token))
        assert response.status_code == 200, response.text
        return response.json()

    await peer.join(signal)


async def test_a_registrar_verifies_three_parties_and_signs_the_outcome(
    chain_url: str, videoconf_url: str, gateway: VideoconfClient
) -> None:
    people = make_people()
    room = schedule(gateway, people)
    assert schedule(gateway, people).id == room.id  # scheduling the same case again is idempotent
    ids = {p.role: p.id for p in room.participants}
    async with httpx.AsyncClient(base_url=videoconf_url, timeout=20) as http:
        tokens = {role: await log_in(http, gateway, room.id, person) for role, person in people.items()}
        live = (await http.get(f"/v1/rooms/{room.id}/live", headers=bearer(tokens["applicant"]))).json()
        assert {p["role"]: p["state"] for p in live["room"]["participants"]}["applicant"] == "waiting"
        # A party sees its own IIN; the others' (the officials' too) masked, birth date kept.
        seen = {p["role"]: p["iin"] for p in live["room"]["participants"]}
        assert seen["applicant"] == people["applicant"].iin
        assert seen["registrar"] == people["registrar"].iin[:6] + "******"
        assert seen["spouse"] == people["spouse"].iin[:6] + "******"
        as_registrar = (
            await http.get(f"/v1/rooms/{room.id}/live", headers=bearer(tokens["registrar"]))
        ).json()
        assert {p["iin"] for p in as_registrar["room"]["participants"]} == {p.iin for p in people.values()}

        # The lobby: nobody but the registrar connects before being admitted.
        early = await http.post(
            f"/v1/rooms/{room.id}/rtc",
            json={"sdp": "v=0 not a real offer", "type": "offer"},
            headers=bearer(tokens["spouse"]),
        )
        assert early.status_code == 403
        assert early.json()["code"] == "video.not_admitted"
        refused = await http.post(
            f"/v1/rooms/{room.id}/participants/{ids['spouse']}/admit", headers=bearer(tokens["applicant"])
        )
        assert refused.json()["code"] == "video.registrar_only"
        for role in ("applicant", "spouse", "housing_company"):
            response = await http.post(
                f"/v1/rooms/{room.id}/participants/{ids[role]}/admit", headers=bearer(tokens["registrar"])
            )
            assert response.status_code == 200, response.text

        # Everyone joins; each receives the three others' video, in its slots' order.
        peers = {role: PyPeer(LUMA[role], slots=3) for role in people}
        for role, peer in peers.items():
            await join(http, room.id, tokens[role], peer)
        for role, peer in peers.items():
            assert await peer.wait_frames(10), (role, dict(peer.frames))
            others = [r for r in people if r != role]
            assert [abs(peer.lumas[i] - LUMA[other]) < 8 for i, other in enumerate(others)] == [True] * 3
            assert peer.sizes[0] == (640, 480)

        # Recording waits for everyone's consent.
        registrar = bearer(tokens["registrar"])
        early = await http.post(f"/v1/rooms/{room.id}/recording/start", headers=registrar)
        assert early.status_code == 409
        assert early.json()["code"] == "video.recording_consent_missing"
        for role in people:
            assert (
                await http.post(f"/v1/rooms/{room.id}/consent", headers=bearer(tokens[role]))
            ).status_code == 200
        assert (await http.post(f"/v1/rooms/{room.id}/recording/start", headers=registrar)).status_code == 201

        for role in ("applicant", "spouse", "housing_company"):
            body = {**CHECK_OK, "spouse_present": True if role == "applicant" else None}
            response = await http.put(
                f"/v1/rooms/{room.id}/participants/{ids[role]}/checklist", json=body, headers=registrar
            )
            assert response.json()["passed"] is True, response.text

        # The applicant drops and rejoins: the earlier check no longer counts.
        await join(http, room.id, tokens["applicant"], peers["applicant"])
        assert await peers["applicant"].wait_frames(5)
        assert await peers["spouse"].wait_frames(int(peers["spouse"].frames[0]) + 5)
        state = gateway.room(room.id)
        applicant = next(p for p in state.participants if p.role == "applicant")
        assert (applicant.connection, applicant.verified) == (2, False)
        await asyncio.sleep(1.0)
        stop = await http.post(f"/v1/rooms/{room.id}/recording/stop", headers=registrar)
        assert stop.status_code == 200, stop.text
        blocked = await http.post(
            f"/v1/rooms/{room.id}/outcome/draft", json={"decision": "approved"}, headers=registrar
        )
        assert blocked.status_code == 409
        assert "participant_not_verified" in blocked.json()["blockers"]
        await http.put(
            f"/v1/rooms/{room.id}/participants/{ids['applicant']}/checklist",
            json={**CHECK_OK, "spouse_present": True, "document_number_seen": "n 1234 5678"},
            headers=registrar,
        )

        # Finish: the registrar signs the server's canonical document with their signing key.
        draft = (
            await http.post(
                f"/v1/rooms/{room.id}/outcome/draft", json={"decision": "approved"}, headers=registrar
            )
        ).json()
        document = base64.b64decode(draft["document_b64"])
        assert hashlib.sha256(document).hexdigest() == draft["sha256"]
        wrong_signer = people["applicant"].sign(document)
        refused = await http.post(
            f"/v1/rooms/{room.id}/outcome",
            json={"sha256": draft["sha256"], "cms_b64": base64.b64encode(wrong_signer).decode()},
            headers=registrar,
        )
        assert refused.status_code == 422
        assert refused.json()["code"] == "video.outcome_signature_invalid"
        # A check re-marked after the draft makes the signed document stale: draft again.
        await http.put(
            f"/v1/rooms/{room.id}/participants/{ids['spouse']}/checklist", json=CHECK_OK, headers=registrar
        )
        stale = await http.post(
            f"/v1/rooms/{room.id}/outcome",
            json={
                "sha256": draft["sha256"],
                "cms_b64": base64.b64encode(people["registrar"].sign(document)).decode(),
            },
            headers=registrar,
        )
        assert stale.status_code == 409
        assert (stale.json()["code"], stale.json()["since"]) == ("video.room_changed", "checked")
        draft = (
            await http.post(
                f"/v1/rooms/{room.id}/outcome/draft", json={"decision": "approved"}, headers=registrar
            )
        ).json()
        document = base64.b64decode(draft["document_b64"])
        cms = people["registrar"].sign(document)
        submitted = await http.post(
            f"/v1/rooms/{room.id}/outcome",
            json={"sha256": draft["sha256"], "cms_b64": base64.b64encode(cms).decode()},
            headers=registrar,
        )
        assert submitted.status_code == 201, submitted.text
        for peer in peers.values():
            await peer.leave()

    outcome = gateway.outcome(room.id)
    assert outcome is not None
    assert outcome.status == "approved"
    assert outcome.signed_by_iin == people["registrar"].iin
    assert all(item.passed for item in outcome.checklist)
    recording = get_settings().recordings_dir / room.id
    (mp4,) = recording.glob("*.mp4")
    assert outcome.recording_sha256 == hashlib.sha256(mp4.read_bytes()).hexdigest()
    got_document, got_cms = gateway.outcome_document(room.id)
    assert hashlib.sha256(got_document).hexdigest() == outcome.outcome_sha256
    ca = get_ca()
    (report,) = validate_cms(got_cms, got_document, TrustAnchors.from_ca(ca), CaRevocation(ca))
    assert report.passed
    assert report.signer is not None
    assert report.signer.iin == people["registrar"].iin

    # The video.verified entry reaches the chain from the outbox; its index is stored back.
    outcome = await poll(
        lambda: gateway.outcome(room.id), lambda o: o is not None and o.chain_index is not None
    )
    assert outcome is not None
    assert outcome.chain_index is not None
    with Session(get_engine()) as session:
        (message,) = session.exec(select(Outbox)).all()
        assert message.delivered_at is not None
        assert message.payload["recordings"] == [outcome.recording_sha256]
    async with httpx.AsyncClient(base_url=chain_url) as chain:
        entry = (await chain.get(f"/v1/entries/{outcome.chain_index}")).json()
    assert entry["body"]["kind"] == "video.verified"
    assert entry["body"]["doc"]["sha256"] == outcome.outcome_sha256
    assert {e["sha256"] for e in entry["body"]["evidence"]} == {outcome.cms_sha256, outcome.recording_sha256}


async def test_a_recording_lost_with_a_restarted_server_does_not_hold_the_room(
    videoconf_url: str, gateway: VideoconfClient
) -> None:
    people = make_people()
    room = schedule(gateway, people)
    with Session(get_engine()) as session:  # what a restart mid-recording leaves: a row, no recorder
        session.add(Recording(room_id=room.id, path=f"{room.id}/lost.mp4"))
        session.commit()
    async with httpx.AsyncClient(base_url=videoconf_url, timeout=20) as http:
        registrar = bearer(await log_in(http, gateway, room.id, people["registrar"]))
        rejection = {"decision": "rejected", "reasons": ["technical"]}
        held = await http.post(f"/v1/rooms/{room.id}/outcome/draft", json=rejection, headers=registrar)
        assert held.json()["code"] == "video.recording_running"
        lost = await http.post(f"/v1/rooms/{room.id}/recording/stop", headers=registrar)
        assert (lost.status_code, lost.json()["code"]) == (409, "video.recording_lost")
        draft = await http.post(f"/v1/rooms/{room.id}/outcome/draft", json=rejection, headers=registrar)
        assert draft.status_code == 200, draft.text
    with Session(get_engine()) as session:
        assert [e.kind for e in events(session, room.id)][-2:] == ["recording_failed", "outcome_drafted"]
