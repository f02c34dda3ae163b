"""Every use of the subject's data is checked against the consent and logged."""

from __future__ import annotations

import pytest

from common.http_client import ServiceError
from consent.client import ConsentClient
from tests.consent.support import StandIn, ask, grant_by_otp


@pytest.fixture
def active(portal: ConsentClient, stand_in: StandIn, subject_iin: str) -> str:
    view = ask(portal, subject_iin, categories=["full_name", "iin", "marital_status", "property"])
    return grant_by_otp(portal, stand_in, view.id).id


def test_uses_within_the_consent_are_logged_for_the_subject(
    portal: ConsentClient, gateway: ConsentClient, active: str
) -> None:
    portal.record_use(
        active, "portal", "rent_to_own.application", ["iin", "marital_status"], "civil registry query"
    )
    gateway.record_use(active, "registry_gateway", "rent_to_own.application", ["property"], "cadastre lookup")

    uses = portal.uses(active)
    assert [(u.requester, u.categories, u.detail) for u in uses] == [
        ("portal", ["iin", "marital_status"], "civil registry query"),
        ("registry_gateway", ["property"], "cadastre lookup"),
    ]


def test_a_retried_declaration_is_logged_once(portal: ConsentClient, active: str) -> None:
    first = portal.record_use(active, "portal", "rent_to_own.application", ["iin"], "lookup", use_id="use-1")
    again = portal.record_use(active, "portal", "rent_to_own.application", ["iin"], "lookup", use_id="use-1")

    assert again.id == first.id == "use-1"
    assert len(portal.uses(active)) == 1


def test_use_outside_the_categories_is_forbidden(portal: ConsentClient, active: str) -> None:
    with pytest.raises(ServiceError) as refused:
        portal.record_use(active, "portal", "rent_to_own.application", ["iin", "dispensary"], "health check")

    assert (refused.value.status, refused.value.code) == (403, "consent.category_not_covered")
    assert portal.uses(active) == []


def test_use_for_another_purpose_or_in_another_name_is_forbidden(
    portal: ConsentClient, gateway: ConsentClient, active: str
) -> None:
    with pytest.raises(ServiceError) as other_purpose:
        portal.record_use(active, "portal", "registration.encumbrance", ["iin"], "")
    with pytest.raises(ServiceError) as impostor:
        gateway.record_use(active, "portal", "rent_to_own.application", ["iin"], "")

    assert (other_purpose.value.status, other_purpose.value.code) == (403, "consent.purpose_mismatch")
    assert (impostor.value.status, impostor.value.code) == (403, "consent.requester_mismatch")


def test_use_after_revocation_is_forbidden(portal: ConsentClient, active: str, subject_iin: str) -> None:
    portal.record_use(active, "portal", "rent_to_own.application", ["iin"], "before")
    portal.request_revocation(active, "I changed my mind")
    with pytest.raises(ServiceError) as while_pending:
        portal.record_use(active, "portal", "rent_to_own.application", ["iin"], "while asked")
    portal.decide_revocation(active, True, "no obligation remains")

    with pytest.raises(ServiceError) as after:
        portal.record_use(active, "portal", "rent_to_own.application", ["iin"], "after")

    assert (while_pending.value.status, while_pending.value.code) == (403, "consent.not_active")
    assert (after.value.status, after.value.code) == (403, "consent.not_active")
    assert [u.detail for u in portal.uses(active)] == ["before"]
    check = portal.check(subject_iin, "rent_to_own.application", "portal")
    assert (check.allowed, check.consent_id, check.reason) == (False, active, "consent.not_active:REVOKED")


def test_use_of_a_pending_consent_is_forbidden(portal: ConsentClient, subject_iin: str) -> None:
    view = ask(portal, subject_iin)
    with pytest.raises(ServiceError) as refused:
        portal.record_use(view.id, "portal", "rent_to_own.application", ["iin"], "")
    assert (refused.value.status, refused.value.code) == (403, "consent.not_active")


def test_a_denied_withdrawal_keeps_the_consent_usable(portal: ConsentClient, active: str) -> None:
    portal.request_revocation(active, "I changed my mind")
    portal.decide_revocation(active, False, "art. 8(2): the lease is being serviced")

    use = portal.record_use(active, "portal", "rent_to_own.application", ["iin"], "monthly payment check")
    assert use.consent_id == active


def test_check_answers_for_the_recipients_of_the_consent(
    portal: ConsentClient, gateway: ConsentClient, active: str, subject_iin: str
) -> None:
    for client, name in ((portal, "portal"), (gateway, "registry_gateway")):
        result = client.check(subject_iin, "rent_to_own.application", name)
        assert (result.allowed, result.consent_id, result.reason) == (True, active, "ok")
    stranger = portal.check(subject_iin, "rent_to_own.application", "videoconf")
    other_purpose = portal.check(subject_iin, "registration.encumbrance", "portal")
    assert (stranger.allowed, stranger.reason) == (False, "consent.requester_not_covered")
    assert (other_purpose.allowed, other_purpose.consent_id, other_purpose.reason) == (
        False,
        None,
        "consent.none",
    )
