"""Callbacks from the peers: a service JWT from the named issuer and an Idempotency-Key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header

from common.service_auth import CallerService, service_caller
from consent.schemas import StatusCallback
from portal.config import get_settings
from portal.service.callbacks import apply_consent_status, apply_registration_status

router = APIRouter(prefix="/v1/callbacks", tags=["callbacks"])

_from_consent = service_caller("portal", get_settings, lambda _: {"consent"})
_from_gateway = service_caller("portal", get_settings, lambda _: {"registry_gateway"})


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
