"""`/v1/scenario`: synthetic persons and properties for tests and demos (not in production)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.problems import Problem
from registry_gateway import service
from registry_gateway.api.deps import Caller
from registry_gateway.config import get_settings
from registry_gateway.schemas import PersonRecord, PropertyRecord, ScenarioPerson, ScenarioProperty
from registry_gateway.stand_in import seed_summary

__all__ = ["router"]

router = APIRouter(prefix="/v1/scenario", tags=["scenario"])


def _enabled() -> None:
    if not get_settings().scenario_enabled:
        raise Problem(403, "scenario.disabled", "the scenario API is off in production")


@router.get("/seed", summary="The deterministic seed's identifiers by role")
def seed(caller: Caller) -> dict[str, dict[str, str]]:
    _enabled()
    return seed_summary()


@router.post("/persons", response_model=PersonRecord, status_code=201, summary="Create a synthetic person")
def create_person(spec: ScenarioPerson, caller: Caller) -> Any:
    _enabled()
    return service.create_scenario_person(spec)


@router.post(
    "/properties", response_model=PropertyRecord, status_code=201, summary="Create a synthetic property"
)
def create_property(spec: ScenarioProperty, caller: Caller) -> Any:
    _enabled()
    return service.create_scenario_property(spec)
