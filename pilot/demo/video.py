"""The registrar's video check (§21, §23, §30) with Python WebRTC participants: each invitee logs
in with their authentication key, the registrar admits them, everyone's synthetic camera reaches
everyone else through the SFU, all consent to recording, the registrar records, fills the
checklist and signs the outcome with their signing key."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from typing import Any

import httpx

from common.http_client import tls_context
from pilot.demo.actors import Actor
from pilot.video_peer import PyPeer

__all__ = ["Invitee", "hold_video_check"]

_LUMA = {"registrar": 30, "applicant": 90, "spouse": 150, "housing_company": 210}
_CHECK_OK = {"identity_confirmed": True, "legal_capacity_confirmed": True, "free_will_confirmed": True}


@dataclass
class Invitee:
    role: str  # registrar | applicant | spouse | housing_company
    actor: Actor
    token: str  # the invitation's join token
    attends: bool = True


async def _log_in(http: httpx.AsyncClient, invitee: Invitee) -> str:
    challenge = (await http.post("/v1/login/challenge", json={"token": invitee.token})).json()
    raw = base64.b64decode(challenge["challenge_b64"])
    answer = await http.post(
        "/v1/login",
        json={
            "token": invitee.token,
            "challenge_b64": challenge["challenge_b64"],
            "cms_b64": invitee.actor.sign_auth(raw),
        },
    )
    if answer.status_code != 200:
        raise AssertionError(f"{invitee.role} could not log in: {answer.text}")
    return str(answer.json()["session_token"])


async def _ok(response: Any) -> dict[str, Any]:
    result = await response
    if result.status_code >= 400:
        raise AssertionError(
            f"{result.request.method} {result.request.url.path} → {result.status_code} {result.text}"
        )
    return result.json() if result.content else {}


async def _check(base_url: str, room_id: str, invitees: list[Invitee]) -> dict[str, Any]:
    present = [i for i in invitees if i.attends]
    async with httpx.AsyncClient(base_url=base_url, timeout=30, verify=tls_context()) as http:
        tokens = {i.role: await _log_in(http, i) for i in present}
        auth = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
        registrar = auth["registrar"]
        live = await _ok(http.get(f"/v1/rooms/{room_id}/live", headers=registrar))
        ids = {p["role"]: p["id"] for p in live["room"]["participants"]}
        for role in tokens:
            if role != "registrar":
                await _ok(http.post(f"/v1/rooms/{room_id}/participants/{ids[role]}/admit", headers=registrar))
        peers = {role: PyPeer(_LUMA[role], slots=len(live["room"]["participants"]) - 1) for role in tokens}
        try:
            for role, peer in peers.items():

                async def signal(offer: dict[str, str], role: str = role) -> dict[str, str]:
                    return await _ok(http.post(f"/v1/rooms/{room_id}/rtc", json=offer, headers=auth[role]))

                await peer.join(signal)
            everyone = len(present) == len(invitees)
            # Every slot fills only when everyone came; otherwise there is no one to see in a slot.
            frames_ok = (
                all([await p.wait_frames(5, within_s=20) for p in peers.values()]) if everyone else None
            )
            for role in tokens:
                await _ok(http.post(f"/v1/rooms/{room_id}/consent", headers=auth[role]))
            # Recording needs everyone's consent on screen: with someone missing there is nothing
            # to record, and the registrar rejects the session instead.
            if everyone:
                await _ok(http.post(f"/v1/rooms/{room_id}/recording/start", headers=registrar))
            spouse_present = any(i.role == "spouse" and i.attends for i in invitees)
            has_spouse = any(i.role == "spouse" for i in invitees)
            for role in tokens:
                if role == "registrar":
                    continue
                body = {
                    **_CHECK_OK,
                    "spouse_present": spouse_present if role == "applicant" and has_spouse else None,
                }
                await _ok(
                    http.put(
                        f"/v1/rooms/{room_id}/participants/{ids[role]}/checklist",
                        json=body,
                        headers=registrar,
                    )
                )
            if everyone:
                await asyncio.sleep(1.0)  # a second of recorded conversation
                await _ok(http.post(f"/v1/rooms/{room_id}/recording/stop", headers=registrar))
            verdict = (
                {"decision": "approved"}
                if spouse_present or not has_spouse
                else {"decision": "rejected", "reasons": ["spouse_absent"]}
            )
            draft = await _ok(
                http.post(f"/v1/rooms/{room_id}/outcome/draft", json=verdict, headers=registrar)
            )
            document = base64.b64decode(draft["document_b64"])
            signer = next(i for i in invitees if i.role == "registrar").actor
            outcome = await _ok(
                http.post(
                    f"/v1/rooms/{room_id}/outcome",
                    json={"sha256": draft["sha256"], "cms_b64": signer.sign(document)},
                    headers=registrar,
                )
            )
        finally:
            for peer in peers.values():
                await peer.leave()
    frames = {role: sum(peer.frames.values()) for role, peer in peers.items()}
    return {
        "outcome": outcome.get("status"),
        "participants": len(tokens),
        "frames_received": frames,
        "all_saw_each_other": frames_ok,
    }


def hold_video_check(base_url: str, room_id: str, invitees: list[Invitee]) -> dict[str, Any]:
    return asyncio.run(_check(base_url, room_id, invitees))
