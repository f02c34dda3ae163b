"""Debian's headless Chromium (fake camera and microphone) joins a room from the participant
page: the server receives its video and forwards it to the registrar (a Python peer)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from pilot.video_peer import PyPeer
from tests.videoconf.conftest import log_in, make_people, schedule
from videoconf.client import VideoconfClient

CHROMIUM = "/usr/bin/chromium"
# research/videoconf-anchors.md §B: the flags that worked on this machine.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed"),
]


async def test_a_browser_participant_is_seen_by_the_registrar(
    videoconf_url: str, gateway: VideoconfClient, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright

    people = make_people(married=False)
    del people["housing_company"]
    room = schedule(gateway, people, married=False)
    ids = {p.role: p.id for p in room.participants}
    async with httpx.AsyncClient(base_url=videoconf_url, timeout=20) as http:
        registrar_token = await log_in(http, gateway, room.id, people["registrar"])
        applicant_token = await log_in(http, gateway, room.id, people["applicant"])
        registrar = PyPeer(30, slots=1)

        async def signal(offer: dict[str, str]) -> dict[str, str]:
            response = await http.post(
                f"/v1/rooms/{room.id}/rtc", json=offer, headers={"Authorization": f"Bearer {registrar_token}"}
            )
            return response.json()

        await registrar.join(signal)
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                user_data_dir=str(tmp_path / "chromium"), executable_path=CHROMIUM, headless=True, args=FLAGS
            )
            try:
                await context.add_cookies(
                    [{"name": "vc_session", "value": applicant_token, "url": videoconf_url}]
                )
                page = await context.new_page()
                await page.goto(f"{videoconf_url}/rooms/{room.id}?lang=en")
                await page.get_by_text("Please wait: the registrar will admit you shortly.").wait_for()
                admitted = await http.post(
                    f"/v1/rooms/{room.id}/participants/{ids['applicant']}/admit",
                    headers={"Authorization": f"Bearer {registrar_token}"},
                )
                assert admitted.status_code == 200
                join = page.get_by_role("button", name="Join with camera and microphone")
                await join.wait_for()
                await page.wait_for_function("!document.getElementById('join').disabled", timeout=10_000)
                await join.click()
                assert await registrar.wait_frames(20, within_s=30), dict(registrar.frames)
                assert registrar.sizes[0][0] >= 320  # Chromium's fake camera, decoded at the registrar
                await page.get_by_role("button", name="I consent to the recording of this session").click()
                await page.wait_for_function("document.getElementById('consent').disabled", timeout=10_000)
            finally:
                await context.close()
        await registrar.leave()
    state = gateway.room(room.id)
    applicant = next(p for p in state.participants if p.role == "applicant")
    assert applicant.connection == 1
    assert applicant.consented_at is not None
