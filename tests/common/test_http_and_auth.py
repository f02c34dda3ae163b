"""The kernel's HTTP contract: problem+json errors, service tokens, retries of idempotent calls."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel

from common.http_client import ServiceClient, ServiceError, ServiceUnavailable
from common.problems import Problem, install_problem_handlers
from common.service_auth import (
    CallerService,
    ServiceTokenVerifier,
    jwks_router,
    mint_service_token,
    require_service,
)
from common.service_keys import development_key, load_service_key
from tests.support.live import serve


class Item(BaseModel):
    quantity: int


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    calls = {"flaky": 0, "post": 0}
    caller = require_service(ServiceTokenVerifier("shop", allowed_issuers={"portal"}))

    @app.post("/items")
    def create(item: Item, who: CallerService = Depends(caller)) -> dict[str, object]:
        calls["post"] += 1
        if item.quantity < 0:
            raise Problem(409, "item.negative", "Quantity must not be negative", quantity=item.quantity)
        return {"by": who.name, "quantity": item.quantity}

    @app.get("/flaky")
    def flaky() -> dict[str, int]:
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            raise Problem(503, "unavailable", "try again", headers={"Retry-After": "0"})
        return {"attempts": calls["flaky"]}

    @app.post("/always-busy")
    def busy() -> None:
        calls["post"] += 1
        raise Problem(503, "unavailable", "busy", headers={"Retry-After": "0"})

    @app.get("/calls")
    def count() -> dict[str, int]:
        return calls

    return app


class ShopClient(ServiceClient):
    audience = "shop"


@pytest.fixture(scope="module")
def shop_url() -> Iterator[str]:
    with serve(_app()) as url:
        yield url


def test_service_token_identifies_the_caller(shop_url: str) -> None:
    with ShopClient(shop_url, caller_key=development_key("portal")) as client:
        assert client.post_json("/items", {"quantity": 2}) == {"by": "portal", "quantity": 2}


def test_missing_wrong_issuer_and_wrong_audience_tokens_are_refused(shop_url: str) -> None:
    with ShopClient(shop_url) as anonymous, pytest.raises(ServiceError) as error:
        anonymous.post_json("/items", {"quantity": 1})
    assert (error.value.status, error.value.code) == (401, "auth.required")

    with (
        ShopClient(shop_url, caller_key=development_key("videoconf")) as other,
        pytest.raises(ServiceError) as error,
    ):
        other.post_json("/items", {"quantity": 1})
    assert (error.value.status, error.value.code) == (403, "auth.issuer_not_allowed")

    token = mint_service_token(development_key("portal"), "someone-else")
    with ShopClient(shop_url) as client, pytest.raises(ServiceError) as error:
        client.post_json("/items", {"quantity": 1}, headers={"Authorization": f"Bearer {token}"})
    assert error.value.code == "auth.wrong_audience"

    expired = mint_service_token(development_key("portal"), "shop", lifetime_s=-120)
    with ShopClient(shop_url) as client, pytest.raises(ServiceError) as error:
        client.post_json("/items", {"quantity": 1}, headers={"Authorization": f"Bearer {expired}"})
    assert error.value.code == "auth.token_expired"


def test_a_forged_key_with_the_right_name_is_refused(shop_url: str) -> None:
    forged = load_service_key("portal", "11" * 32)
    with ShopClient(shop_url, caller_key=forged) as client, pytest.raises(ServiceError) as error:
        client.post_json("/items", {"quantity": 1})
    assert error.value.code == "auth.unknown_key"


def test_production_trusts_the_keys_the_issuer_publishes_never_the_derived_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In production a service has its own key and publishes it; the development keys derive from
    a public seed, so a production verifier that accepted them would accept anyone's forgery."""
    real = load_service_key("portal", "42" * 32)
    published = FastAPI()
    published.include_router(jwks_router(real))
    verifier = ServiceTokenVerifier("shop", allowed_issuers={"portal"}, production=True)
    with serve(published) as portal_url:
        monkeypatch.setenv("RTO_PORTAL_URL", portal_url)
        assert verifier.verify(mint_service_token(real, "shop")).name == "portal"
        with pytest.raises(Problem) as refused:
            verifier.verify(mint_service_token(development_key("portal"), "shop"))
        assert refused.value.code == "auth.unknown_key"
    with pytest.raises(Problem) as refused:  # the issuer down: retry later, not "forged"
        ServiceTokenVerifier("shop", production=True).verify(mint_service_token(real, "shop"))
    assert (refused.value.status, refused.value.code) == (503, "auth.keys_unavailable")
    with pytest.raises(Problem) as refused:  # a name with no address publishes nothing
        ServiceTokenVerifier("shop", production=True).verify(
            mint_service_token(development_key("pilot"), "shop")
        )
    assert refused.value.code == "auth.unknown_key"
    development = ServiceTokenVerifier("shop")
    with pytest.raises(Problem) as refused:
        development.verify(mint_service_token(real, "shop"))
    assert refused.value.code == "auth.unknown_key"


def test_errors_are_problem_json_with_stable_codes(shop_url: str) -> None:
    with ShopClient(shop_url, caller_key=development_key("portal")) as client:
        with pytest.raises(ServiceError) as error:
            client.post_json("/items", {"quantity": -1})
        assert error.value.problem["code"] == "item.negative"
        assert error.value.problem["quantity"] == -1
        with pytest.raises(ServiceError) as error:
            client.post_json("/items", {"quantity": "many"})
        assert error.value.status == 422
        assert error.value.code == "request.invalid"
        response = httpx.post(
            f"{shop_url}/items", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


def test_idempotent_calls_are_retried_and_posts_without_a_key_are_not(shop_url: str) -> None:
    with ShopClient(shop_url) as client:
        assert client.get_json("/flaky")["attempts"] == 3
        before = client.get_json("/calls")["post"]
        with pytest.raises(ServiceUnavailable):
            client.request("POST", "/always-busy")
        assert client.get_json("/calls")["post"] == before + 1
        with pytest.raises(ServiceUnavailable):
            client.request("POST", "/always-busy", idempotency_key="k1")
        assert client.get_json("/calls")["post"] == before + 1 + 4


def test_unreachable_service_is_reported_as_unavailable() -> None:
    with ShopClient("http://127.0.0.1:9", attempts=2) as client, pytest.raises(ServiceUnavailable):
        client.get_json("/anything")
