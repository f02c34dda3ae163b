"""What `rto up` runs: each service's ASGI factory, its port, and its Celery app."""

from __future__ import annotations

from dataclasses import dataclass, replace

from common.settings import SERVICE_PORTS

__all__ = ["SERVICES", "ServiceSpec", "service_urls", "shifted"]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    factory: str  # "module:function" for `uvicorn --factory`
    port: int
    env_prefix: str
    celery_app: str | None  # "module:attribute" when the service has background work
    migrates: bool = True
    # API processes in distributed mode; videoconf keeps a room's media in one process
    api_workers: int = 2

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _service(name: str, *, api_workers: int = 2) -> ServiceSpec:
    return ServiceSpec(
        name=name,
        factory=f"{name}.main:create_app",
        port=SERVICE_PORTS[name],
        env_prefix=f"{name.upper()}_",
        celery_app=f"{name}.tasks:celery_app",
        api_workers=api_workers,
    )


# Start order: providers before their consumers, so health-gating means dependencies answer.
SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "outside", "pilot.outside.main:create_app", SERVICE_PORTS["outside"], "OUTSIDE_", None, False
    ),
    _service("chain"),
    _service("consent"),
    _service("videoconf", api_workers=1),
    _service("registry_gateway"),
    _service("portal"),
)


def shifted(services: tuple[ServiceSpec, ...], offset: int) -> tuple[ServiceSpec, ...]:
    """The same services `offset` ports higher: a second stack (tests, benches) beside a running one."""
    return tuple(replace(spec, port=spec.port + offset) for spec in services)


def service_urls(services: tuple[ServiceSpec, ...]) -> dict[str, str]:
    """The environment that tells every process where the others are (`common.settings.service_url`)."""
    urls = {f"RTO_{spec.name.upper()}_URL": spec.url for spec in services}
    if "RTO_PORTAL_URL" in urls:
        urls["PORTAL_PUBLIC_BASE_URL"] = urls["RTO_PORTAL_URL"]
    return urls
