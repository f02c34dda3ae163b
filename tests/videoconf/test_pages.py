"""The pages speak kk / ru / en, and a bad or expired link explains itself instead of failing."""

from __future__ import annotations

import httpx
import pytest

from common.http_client import ServiceError
from common.service_keys import development_key
from tests.videoconf.conftest import make_people, schedule
from videoconf.client import VideoconfClient


@pytest.mark.parametrize(
    ("lang", "button"), [("kk", "ЭЦҚ арқылы кіру"), ("ru", "Войти с ЭЦП"), ("en", "Sign in with EDS")]
)
def test_the_invitation_page_asks_for_an_eds_login_in_the_chosen_language(
    gateway: VideoconfClient, videoconf_url: str, lang: str, button: str
) -> None:
    people = make_people(married=False)
    room = schedule(gateway, people, married=False)
    invitation = gateway.invitation(room.id, people["applicant"].iin)
    assert invitation.join_url.endswith(f"/join?token={invitation.token}")
    page = httpx.get(f"{videoconf_url}/join", params={"token": invitation.token, "lang": lang})
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    assert button in page.text


def test_a_forged_link_and_a_missing_session_get_a_readable_page(videoconf_url: str) -> None:
    forged = httpx.get(f"{videoconf_url}/join", params={"token": "x" * 40}, headers={"Accept-Language": "ru"})
    assert forged.status_code == 401
    assert "Ссылка недействительна." in forged.text
    room = httpx.get(f"{videoconf_url}/rooms/abc", params={"lang": "en"})
    assert room.status_code == 401
    assert "Log in with your EDS through your invitation link." in room.text


def test_only_the_registry_gateway_may_schedule_rooms(videoconf_url: str) -> None:
    people = make_people(married=False)
    with (
        VideoconfClient(videoconf_url, caller_key=development_key("portal")) as portal,
        pytest.raises(ServiceError) as refused,
    ):
        schedule(portal, people, married=False)
    assert refused.value.code == "auth.issuer_not_allowed"
