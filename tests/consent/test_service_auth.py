"""Only known services, with a valid token, reach the API."""

from __future__ import annotations

import httpx
import pytest

from common.http_client import ServiceError
from consent.client import ConsentClient
from tests.consent.support import ask, client_for


def test_calls_without_a_service_token_are_refused(consent_url: str) -> None:
    response = httpx.get(f"{consent_url}/v1/consents", params={"subject": "900101300019"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


def test_a_service_that_is_not_a_caller_is_refused(consent_url: str) -> None:
    with client_for(consent_url, "chain") as chain, pytest.raises(ServiceError) as refused:
        chain.check("900101300019", "rent_to_own.application", "chain")
    assert (refused.value.status, refused.value.code) == (403, "auth.issuer_not_allowed")


def test_a_caller_sees_only_consents_it_uses_and_acts_for_the_subject_only_as_requester(
    consent_url: str, portal: ConsentClient, gateway: ConsentClient, subject_iin: str
) -> None:
    """The video room is no caller at all; the gateway reads and records uses but cannot refuse,
    withdraw or hand out the subject's link; the operator's tools see nothing of the portal's."""
    consent = ask(portal, subject_iin)
    assert gateway.get(consent.id).id == consent.id
    for act in (lambda: gateway.reject(consent.id, "not mine"), lambda: gateway.subject_link(consent.id)):
        with pytest.raises(ServiceError) as refused:
            act()
        assert (refused.value.status, refused.value.code) == (403, "consent.not_requester")
    with client_for(consent_url, "pilot") as operator:
        with pytest.raises(ServiceError) as refused:
            operator.get(consent.id)
        assert refused.value.code == "consent.not_a_user"
        assert operator.list_for_subject(subject_iin) == []
    with client_for(consent_url, "videoconf") as video, pytest.raises(ServiceError) as refused:
        video.get(consent.id)
    assert refused.value.code == "auth.issuer_not_allowed"
    assert portal.get(consent.id).status == "PENDING"  # nothing the others tried changed it
