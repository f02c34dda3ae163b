"""The akimat's list, EDS login and roles, and invitations that expire — the portal on its own."""

from __future__ import annotations

import pytest

from common.eds import Role
from portal.config import get_settings
from tests.portal.conftest import Stack, new_iin

APPLICANT = new_iin()


@pytest.fixture
def expired(monkeypatch: pytest.MonkeyPatch) -> None:
    # invitations sent "16 days ago": the 15-day window is already over
    monkeypatch.setenv("PORTAL_APPLY_WITHIN_DAYS", "-1")


def test_officer_loads_a_list_with_a_per_row_error_report(portal_only: Stack):
    officer = portal_only.officer().login()
    assert officer.roles == ["officer"]
    csv = f"iin,category,phone\n{APPLICANT},budget_employee,+77011234503\n123,teacher,555\n"
    answer = officer.http.post(
        "/v1/lists", params={"akimat": "Astana"}, content=csv, headers={"Content-Type": "text/csv"}
    )
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert report["rows_total"] == 2
    assert report["rows_loaded"] == 1
    assert {(e["row"], e["field"], e["code"]) for e in report["errors"]} == {
        (2, "iin", "iin.format"),
        (2, "category", "list.category"),
        (2, "phone", "list.phone"),
    }
    assert not report["loaded_late"]
    # the same person on a second list is reported, not invited twice
    again = officer.http.post(
        "/v1/lists", params={"akimat": "Astana"}, content=csv.encode(), headers={"Content-Type": "text/csv"}
    ).json()
    assert again["rows_loaded"] == 0
    assert again["errors"][0]["code"] == "list.already_invited"
    deadlines = officer.get("/v1/officer/deadlines").json()
    assert deadlines["lists"][0]["alert"] == "on_time"


def test_a_list_received_long_ago_is_flagged_late(portal_only: Stack):
    officer = portal_only.officer().login()
    answer = officer.http.post(
        "/v1/lists",
        params={"akimat": "Astana", "received_on": "2026-01-05"},
        content=f'[{{"iin": "{APPLICANT}", "category": "socially_vulnerable", "phone": "87011234503"}}]',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["loaded_late"] is True
    # Tue 6 Jan is the 1st working day; 7 Jan is Orthodox Christmas; Thu 8 Jan ends at Almaty midnight
    assert answer.json()["load_deadline"] == "2026-01-08T19:00:00+00:00"


def test_only_officers_load_lists_and_unreadable_lists_are_refused(portal_only: Stack):
    applicant = portal_only.person(APPLICANT, "Жумабекова", "Динара").login()
    forbidden = applicant.http.post("/v1/lists", params={"akimat": "A"}, content=b"iin\n")
    assert forbidden.status_code == 403
    officer = portal_only.officer().login()
    bad = officer.http.post("/v1/lists", params={"akimat": "A"}, content=b"name,phone\nx,1\n")
    assert bad.status_code == 422
    assert bad.json()["code"] == "list.unreadable"


def test_login_needs_the_authentication_key_and_a_fresh_challenge(portal_only: Stack):
    person = portal_only.person(APPLICANT, "Жумабекова", "Динара")
    challenge = person.http.post("/v1/auth/challenge").json()
    import base64

    from tests.portal.support import sign_with

    raw = base64.b64decode(challenge["challenge_b64"])
    with_sign_key = person.http.post(
        "/v1/auth/login",
        json={"challenge_id": challenge["challenge_id"], "cms": sign_with(person.keys.sign, raw)},
    )
    assert with_sign_key.status_code == 422
    assert with_sign_key.json()["code"] == "auth.sign_key_used"
    reused = person.http.post(
        "/v1/auth/login",
        json={"challenge_id": challenge["challenge_id"], "cms": sign_with(person.keys.auth, raw)},
    )
    assert reused.status_code == 401
    assert person.get("/v1/me").status_code == 401
    person.login()
    assert person.get("/v1/me").json()["iin"] == APPLICANT


def test_head_role_comes_from_the_housing_companys_bin(portal_only: Stack):
    head = portal_only.head().login()
    assert head.roles == ["head", "officer"]
    outsider = portal_only.staff(new_iin(), "Омарова", "Асель", Role.EMPLOYEE)
    # an employee certificate of the housing company is an officer, not the head
    assert outsider.login().roles == ["officer"]


def test_invited_person_is_told_by_sms_and_an_expired_invitation_is_gone(
    expired: None, portal_only: Stack, monkeypatch: pytest.MonkeyPatch
):
    officer = portal_only.officer().login()
    officer.http.post(
        "/v1/lists",
        params={"akimat": "Astana"},
        content=f"iin,category,phone\n{APPLICANT},budget_employee,+77011234503\n",
        headers={"Content-Type": "text/csv"},
    )
    applicant = portal_only.person(APPLICANT, "Жумабекова", "Динара").login()
    assert "applicant" in applicant.roles
    notices = applicant.get("/v1/me").json()["notices"]
    assert notices[0]["kind"] == "invitation"
    assert "КЖК" in notices[0]["text"]
    answer = applicant.post(
        "/v1/applications", {"cadastral_number": "01:012:045:100:1:1", "term_months": 120}
    )
    assert answer.status_code == 410
    assert answer.json()["code"] == "invitation.expired"

    # "ask the akimat to relist you": a later list opens a new window
    monkeypatch.setattr(get_settings(), "apply_within_days", 15)
    relisted = officer.http.post(
        "/v1/lists",
        params={"akimat": "Astana"},
        content=f"iin,category,phone\n{APPLICANT},budget_employee,+77011234503\n",
        headers={"Content-Type": "text/csv"},
    ).json()
    assert (relisted["rows_loaded"], relisted["errors"]) == (1, [])
    again = applicant.post("/v1/applications", {"cadastral_number": "01:012:045:100:1:1", "term_months": 120})
    assert again.json()["code"] == "flat.not_found"  # past the invitation check this time


def test_a_person_not_on_any_list_cannot_apply(portal_only: Stack):
    stranger = portal_only.person(new_iin(), "Асанов", "Асан").login()
    answer = stranger.post("/v1/applications", {"cadastral_number": "x", "term_months": 12})
    assert answer.status_code == 403
    assert answer.json()["code"] == "invitation.none"
