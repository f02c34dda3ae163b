"""No Docker engine runs here, so the compose files are checked for what would break a deployment:
every command points at real code, every dependency exists and is health-gated, and the topology
matches `rto up --distributed`."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

from common.settings import SERVICE_PORTS
from pilot.topology import SERVICES

COMPOSE = Path(__file__).resolve().parents[2] / "compose"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((COMPOSE / "compose.yml").read_text())


def test_every_service_of_the_launcher_runs_in_compose_on_its_port(compose: dict) -> None:
    services = compose["services"]
    for spec in SERVICES:
        command = services[spec.name]["command"]
        assert spec.factory in command
        assert str(SERVICE_PORTS[spec.name]) in command
        if spec.celery_app:
            assert spec.celery_app in services[f"{spec.name}-worker"]["command"]
            assert spec.celery_app in services[f"{spec.name}-beat"]["command"]


def test_commands_name_importable_factories(compose: dict) -> None:
    for name, service in compose["services"].items():
        command = service.get("command", [])
        targets = [part for part in command if ":" in part and "." in part and not part.startswith("http")]
        for target in targets:
            module, _, attribute = target.partition(":")
            assert hasattr(importlib.import_module(module), attribute), f"{name}: {target}"


def test_dependencies_exist_and_are_gated_on_health(compose: dict) -> None:
    services = compose["services"]
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            wanted = "service_completed_successfully" if dependency == "migrate" else "service_healthy"
            assert condition["condition"] == wanted
            if wanted == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"


def test_each_service_has_its_own_database_and_role(compose: dict) -> None:
    init = (COMPOSE / "postgres-init.sql").read_text()
    for spec in SERVICES:
        if not spec.migrates:
            continue
        env = (COMPOSE / "env" / f"{spec.name}.env").read_text()
        assert f"{spec.env_prefix}DATABASE_URL=postgresql://{spec.name}:" in env
        assert f"/rto_{spec.name}\n" in env
        assert f"CREATE DATABASE rto_{spec.name} OWNER {spec.name};" in init
        assert f"{spec.env_prefix}MIGRATE_ON_STARTUP=false" in env


def test_api_workers_match_the_launcher(compose: dict) -> None:
    for spec in SERVICES:
        command = compose["services"][spec.name]["command"]
        if "--workers" in command:
            assert command[command.index("--workers") + 1] == str(spec.api_workers), spec.name
