"""Granting with a one-time code texted to the subject's phone (the channel without EDS)."""

from __future__ import annotations

import pytest

from common.http_client import ServiceError
from consent.client import ConsentClient
from consent.domain.otp import OTP_MAX_ATTEMPTS
from tests.consent.support import StandIn, ask, wait_until


def test_the_code_goes_to_the_subjects_phone_and_grants(
    portal: ConsentClient, stand_in: StandIn, subject_iin: str
) -> None:
    view = ask(portal, subject_iin, phone="+77017654321")
    sent = portal.send_otp(view.id)
    code = stand_in.code_for(view.id)

    granted = portal.grant_with_otp(view.id, code)

    assert sent.phone_masked == "+7701*****21"
    sms = stand_in.sms[-1]
    assert sms["body"]["to"] == "+77017654321"
    assert sms["headers"]["idempotency-key"]
    assert "/subject/consents/" in sms["body"]["text"]  # the link to the subject's page
    assert (granted.status, granted.grant_channel) == ("ACTIVE", "otp")


def test_wrong_codes_are_counted_and_then_locked(
    portal: ConsentClient, stand_in: StandIn, subject_iin: str
) -> None:
    view = ask(portal, subject_iin)
    portal.send_otp(view.id)
    code = stand_in.code_for(view.id)
    wrong = "000000" if code != "000000" else "111111"

    for attempt in range(OTP_MAX_ATTEMPTS):
        with pytest.raises(ServiceError) as refused:
            portal.grant_with_otp(view.id, wrong)
        assert refused.value.code == "consent.otp_wrong"
        assert refused.value.problem["attempts_left"] == OTP_MAX_ATTEMPTS - attempt - 1
    with pytest.raises(ServiceError) as locked:
        portal.grant_with_otp(view.id, code)  # even the right code, once locked

    assert (locked.value.status, locked.value.code) == (429, "consent.otp_locked")
    assert portal.get(view.id).status == "PENDING"
    portal.send_otp(view.id)  # a new code unlocks
    wait_until(lambda: len(stand_in.sms_for(view.id)) == 2)
    # Two texts, two references: an SMS centre that takes each reference once delivers both.
    first, second = stand_in.sms_for(view.id)
    assert first["body"]["ref"] != second["body"]["ref"]
    assert first["body"]["ref"] == first["headers"]["idempotency-key"]
    assert portal.grant_with_otp(view.id, stand_in.code_for(view.id)).status == "ACTIVE"


def test_a_code_is_needed_first_and_a_phone_for_it(portal: ConsentClient, subject_iin: str) -> None:
    with_phone = ask(portal, subject_iin)
    without_phone = ask(portal, subject_iin, phone=None)

    with pytest.raises(ServiceError) as not_sent:
        portal.grant_with_otp(with_phone.id, "123456")
    with pytest.raises(ServiceError) as no_phone:
        portal.send_otp(without_phone.id)

    assert (not_sent.value.status, not_sent.value.code) == (409, "consent.otp_not_sent")
    assert (no_phone.value.status, no_phone.value.code) == (409, "consent.no_phone")


def test_codes_are_not_resent_at_once(
    portal: ConsentClient, stand_in: StandIn, subject_iin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consent.config import get_settings

    monkeypatch.setattr(get_settings(), "otp_resend_after_s", 60)
    view = ask(portal, subject_iin)
    portal.send_otp(view.id)

    with pytest.raises(ServiceError) as too_soon:
        portal.send_otp(view.id)

    assert (too_soon.value.status, too_soon.value.code) == (429, "consent.otp_too_soon")
