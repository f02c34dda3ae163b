"""Every allowed and every forbidden transition, from each state, through the public API."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from common.http_client import ServiceError
from consent.client import ConsentClient
from tests.consent.support import StandIn, ask, grant_by_otp

# How to bring a fresh consent into each state (from PENDING).
SETUP: dict[str, list[str]] = {
    "PENDING": [],
    "ACTIVE": ["grant"],
    "REJECTED": ["reject"],
    "EXPIRED": ["grant", "close"],
    "REVOCATION_REQUESTED": ["grant", "withdraw"],
    "REVOKED": ["grant", "withdraw", "accept"],
    "REVOCATION_DENIED": ["grant", "withdraw", "deny"],
}
# The outcome of each action from each state: the new status, or None for 409 (no change).
MATRIX: dict[str, dict[str, str | None]] = {
    "PENDING": {
        "grant": "ACTIVE",
        "reject": "REJECTED",
        "withdraw": None,
        "accept": None,
        "deny": None,
        "close": "EXPIRED",
    },
    "ACTIVE": {
        "grant": None,
        "reject": None,
        "withdraw": "REVOCATION_REQUESTED",
        "accept": None,
        "deny": None,
        "close": "EXPIRED",
    },
    "REJECTED": {
        "grant": None,
        "reject": None,
        "withdraw": None,
        "accept": None,
        "deny": None,
        "close": None,
    },
    "EXPIRED": {"grant": None, "reject": None, "withdraw": None, "accept": None, "deny": None, "close": None},
    "REVOCATION_REQUESTED": {
        "grant": None,
        "reject": None,
        "withdraw": None,
        "accept": "REVOKED",
        "deny": "REVOCATION_DENIED",
        "close": "EXPIRED",
    },
    "REVOKED": {"grant": None, "reject": None, "withdraw": None, "accept": None, "deny": None, "close": None},
    "REVOCATION_DENIED": {
        "grant": None,
        "reject": None,
        "withdraw": "REVOCATION_REQUESTED",
        "accept": None,
        "deny": None,
        "close": "EXPIRED",
    },
}


def _actions(portal: ConsentClient, stand_in: StandIn, case_ref: str) -> dict[str, Callable[[str], object]]:
    def grant(consent_id: str) -> object:
        if portal.get(consent_id).status != "PENDING":
            # no code can be sent for a consent that is not pending; try the code path directly
            return portal.grant_with_otp(consent_id, "123456")
        return grant_by_otp(portal, stand_in, consent_id)

    return {
        "grant": grant,
        "reject": lambda cid: portal.reject(cid, "I do not agree"),
        "withdraw": lambda cid: portal.request_revocation(cid, "I changed my mind"),
        "accept": lambda cid: portal.decide_revocation(cid, True, "no obligation remains"),
        "deny": lambda cid: portal.decide_revocation(cid, False, "art. 8(2): the lease is being serviced"),
        "close": lambda _cid: portal.close_case(case_ref),
    }


@pytest.mark.parametrize("start", list(MATRIX))
def test_transitions_from(start: str, portal: ConsentClient, stand_in: StandIn, subject_iin: str) -> None:
    for action, expected in MATRIX[start].items():
        view = ask(portal, subject_iin)
        act = _actions(portal, stand_in, view.case_ref)
        for step in SETUP[start]:
            act[step](view.id)
        assert portal.get(view.id).status == start
        history_before = len(portal.get(view.id).transitions)

        if expected is None:
            if action == "close":
                assert portal.close_case(view.case_ref).expired == [], f"{start} --close-->"
            else:
                with pytest.raises(ServiceError) as refused:
                    act[action](view.id)
                assert refused.value.status == 409, f"{start} --{action}--> {refused.value}"
                assert refused.value.code == "consent.invalid_transition"
            after = portal.get(view.id)
            assert after.status == start, f"{start} --{action}--> changed to {after.status}"
            assert len(after.transitions) == history_before
        else:
            act[action](view.id)
            after = portal.get(view.id)
            assert after.status == expected, f"{start} --{action}--> {after.status}, expected {expected}"
            line = after.transitions[-1]
            assert (line.from_status, line.to_status) == (start, expected)
            assert line.actor
            assert line.channel
            assert line.at


def test_every_transition_records_actor_channel_time_and_reason(
    portal: ConsentClient, stand_in: StandIn, subject_iin: str
) -> None:
    view = ask(portal, subject_iin)
    grant_by_otp(portal, stand_in, view.id)
    portal.request_revocation(view.id, "I changed my mind")
    final = portal.decide_revocation(view.id, False, "art. 8(2): the lease is being serviced")

    lines = [(t.to_status, t.actor, t.channel, t.reason) for t in final.transitions]
    assert lines == [
        ("PENDING", "service:portal", "api:portal", "consent requested"),
        ("ACTIVE", "subject", "otp", "confirmed with a one-time code"),
        ("REVOCATION_REQUESTED", "subject", "api:portal", "I changed my mind"),
        ("REVOCATION_DENIED", "service:portal", "api:portal", "art. 8(2): the lease is being serviced"),
    ]
    assert final.decision_reason == "art. 8(2): the lease is being serviced"
    assert final.in_force  # a denied withdrawal leaves the consent serving its obligation


def test_only_the_requesting_controller_decides_on_withdrawal(
    portal: ConsentClient, gateway: ConsentClient, stand_in: StandIn, subject_iin: str
) -> None:
    view = ask(portal, subject_iin)
    grant_by_otp(portal, stand_in, view.id)
    portal.request_revocation(view.id, "I changed my mind")

    with pytest.raises(ServiceError) as refused:
        gateway.decide_revocation(view.id, True, "not mine to decide")

    assert (refused.value.status, refused.value.code) == (403, "consent.not_controller")
    assert portal.get(view.id).status == "REVOCATION_REQUESTED"
