"""Callbacks from the peers: a service JWT from the named issuer and an Idempotency-Key."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter, Depends, Header, Request

from common.service_auth import CallerService, ServiceTokenVerifier, require_service
from consent.schemas import StatusCallback
from portal.config import get_settings
from portal.service.callbacks import apply_consent_status, apply_registration_status

router = APIRouter(prefix="/v1/callbacks", tags=["callbacks"])


@cache
def _verifier(issuer: str) -> ServiceTokenVerifier:
    return ServiceTokenVerifier("portal", allowed_issuers={issuer}, production=get_settings().production)


def _from_consent(request: Request) -> CallerService:
    return require_service(_verifier("consent"))(request)


def _from_gateway(request: Request) -> CallerService:
    return require_service(_verifier("registry_gateway"))(request)


@router.post("/consent", summary="A consent changed status (from the consent service)")
def consent(
    body: StatusCallback,
    idempotency_key: str = Header(min_length=1, max_length=255),
    _caller: CallerService = Depends(_from_consent),
) -> dict[str, Any]:
    return apply_consent_status(idempotency_key, body.consent_id, body.status.value)


@router.post("/registration", summary="A registration case changed state (from the registry gateway)")
def registration(
    body: dict[str, Any],
    idempotency_key: str = Header(min_length=1, max_length=255),
    _caller: CallerService = Depends(_from_gateway),
) -> dict[str, Any]:
    return apply_registration_status(idempotency_key, body)
