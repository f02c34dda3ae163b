"""Service-to-service authentication: short-lived, audience-bound EdDSA JWTs (PyJWT).

The caller mints a token for the callee's audience with its service key; the callee checks the
signature against the caller's published JWKS (`/.well-known/jwks.json`), the audience, expiry
and issuer, and learns which service is calling.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import httpx
import jwt
from fastapi import APIRouter, Request
from jwt.algorithms import OKPAlgorithm

from common.problems import Problem
from common.service_keys import ServiceKey, development_key
from common.settings import ServiceSettings, service_url

__all__ = [
    "TOKEN_LIFETIME_S",
    "CallerService",
    "ServiceTokenVerifier",
    "fetch_jwks",
    "jwks_router",
    "mint_service_token",
    "published_jwks",
    "require_service",
    "service_caller",
]

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)

TOKEN_LIFETIME_S = 60


def mint_service_token(key: ServiceKey, audience: str, *, lifetime_s: int = TOKEN_LIFETIME_S) -> str:
    now = int(time.time())
    claims = {
        "iss": key.service,
        "sub": key.service,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime_s,
        "jti": uuid.uuid4().hex,
    }
    private = OKPAlgorithm.from_jwk(_private_jwk(key))
    return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": key.kid})


def _private_jwk(key: ServiceKey) -> dict[str, str]:
    jwk = key.jwk()
    jwk["d"] = base64.urlsafe_b64encode(bytes(key.signing_key)).rstrip(b"=").decode()
    return jwk


@dataclass(frozen=True)
class CallerService:
    name: str


class ServiceTokenVerifier:
    """Checks bearer tokens for one audience against the issuers' JWKS.

    `jwks_source(service)` returns that service's JWKS dict. By default, in production it is what
    the issuer publishes at its URL (`RTO_<SERVICE>_URL`), fetched once per key id; elsewhere the
    keys derived from public seeds — which production must never accept, as anyone can derive them.
    """

    def __init__(
        self,
        audience: str,
        *,
        allowed_issuers: set[str] | None = None,
        production: bool = False,
        jwks_source: Callable[[str], Mapping[str, Any]] | None = None,
    ) -> None:
        self.audience = audience
        self.allowed_issuers = allowed_issuers
        self._jwks_source = jwks_source or (published_jwks if production else _development_jwks)
        self._cache: dict[str, Any] = {}
        # An unknown key id refetches an issuer's keys (rotation), at most once a minute.
        self._refetch_after: dict[str, float] = {}

    def verify(self, token: str) -> CallerService:
        try:
            header = jwt.get_unverified_header(token)
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss", "")
        except jwt.PyJWTError as exc:
            raise Problem(401, "auth.token_malformed", f"Malformed service token: {exc}") from None
        if self.allowed_issuers is not None and issuer not in self.allowed_issuers:
            raise Problem(403, "auth.issuer_not_allowed", f"Service {issuer!r} may not call this endpoint")
        key = self._key(issuer, header.get("kid", ""))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=self.audience,
                issuer=issuer,
                options={"require": ["exp", "iat", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Problem(401, "auth.token_expired", "Service token expired") from None
        except jwt.InvalidAudienceError:
            raise Problem(401, "auth.wrong_audience", f"Token is not for {self.audience}") from None
        except jwt.PyJWTError as exc:
            raise Problem(401, "auth.token_invalid", f"Invalid service token: {exc}") from None
        return CallerService(claims["iss"])

    def _key(self, issuer: str, kid: str) -> Any:
        cache_key = f"{issuer}/{kid}"
        if cache_key in self._cache:
            return self._cache[cache_key]
        unknown = Problem(401, "auth.unknown_key", f"No key {kid!r} published by {issuer!r}")
        if time.monotonic() < self._refetch_after.get(issuer, 0.0):
            raise unknown
        try:
            jwks = self._jwks_source(issuer)
        except (httpx.HTTPError, ValueError):
            raise Problem(
                503,
                "auth.keys_unavailable",
                f"{issuer!r}'s keys cannot be fetched",
                headers={"Retry-After": "5"},
            ) from None
        for jwk in jwks.get("keys", []):
            if jwk.get("kid") == kid:
                self._cache[cache_key] = OKPAlgorithm.from_jwk(jwk)
                return self._cache[cache_key]
        self._refetch_after[issuer] = time.monotonic() + _REFETCH_INTERVAL_S
        raise unknown


_REFETCH_INTERVAL_S = 60.0


def _development_jwks(service: str) -> Mapping[str, Any]:
    return {"keys": [development_key(service).jwk()]}


def fetch_jwks(base_url: str) -> Mapping[str, Any]:
    response = httpx.get(f"{base_url}/.well-known/jwks.json", timeout=5.0)
    response.raise_for_status()
    return response.json()


def published_jwks(service: str) -> Mapping[str, Any]:
    """The keys `service` publishes at its JWKS address; none for a name with no address."""
    try:
        base_url = service_url(service)
    except KeyError:
        return {"keys": []}
    return fetch_jwks(base_url)


def service_caller(
    audience: str, settings: Callable[[], SettingsT], issuers: Callable[[SettingsT], Iterable[str]]
) -> Callable[[Request], CallerService]:
    """A FastAPI dependency: the calling service, one of `issuers(settings())`, its token checked
    for `audience` as the settings' environment requires. Built on first use, so the settings are
    read when the app serves, not when the module is imported."""

    @cache
    def verifier() -> ServiceTokenVerifier:
        current = settings()
        return ServiceTokenVerifier(
            audience, allowed_issuers=set(issuers(current)), production=current.production
        )

    def dependency(request: Request) -> CallerService:
        return require_service(verifier())(request)

    return dependency


def require_service(verifier: ServiceTokenVerifier) -> Callable[..., CallerService]:
    """A FastAPI dependency: the calling service, or a 401/403 problem."""

    def dependency(request: Request) -> CallerService:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Problem(
                401,
                "auth.required",
                "A service bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return verifier.verify(token)

    return dependency


def jwks_router(key: ServiceKey) -> APIRouter:
    router = APIRouter(tags=["keys"])

    @router.get("/.well-known/jwks.json", summary="This service's public signing keys")
    def jwks() -> dict[str, list[dict[str, str]]]:
        return {"keys": [key.jwk()]}

    return router
