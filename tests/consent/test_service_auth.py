"""Only known services, with a valid token, reach the API."""

from __future__ import annotations

import httpx
import pytest

from common.http_client import ServiceError
from tests.consent.support import client_for


def test_calls_without_a_service_token_are_refused(consent_url: str) -> None:
    response = httpx.get(f"{consent_url}/v1/consents", params={"subject": "900101300019"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


def test_a_service_that_is_not_a_caller_is_refused(consent_url: str) -> None:
    with client_for(consent_url, "chain") as chain, pytest.raises(ServiceError) as refused:
        chain.check("900101300019", "rent_to_own.application", "chain")
    assert (refused.value.status, refused.value.code) == (403, "auth.issuer_not_allowed")
