"""What `rto up` runs: each service's ASGI factory, its port, and its Celery app."""

from __future__ import annotations

from dataclasses import dataclass

from common.settings import SERVICE_PORTS

__all__ = ["SERVICES", "ServiceSpec"]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    factory: str  # "module:function" for `uvicorn --factory`
    port: int
    env_prefix: str
    celery_app: str | None  # "module:attribute" when the service has background work
    migrates: bool = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _service(name: str, *, celery: bool = True) -> ServiceSpec:
    return ServiceSpec(
        name=name,
        factory=f"{name}.main:create_app",
        port=SERVICE_PORTS[name],
        env_prefix=f"{name.upper()}_",
        celery_app=f"{name}.tasks:celery_app" if celery else None,
    )


# Start order: providers before their consumers, so health-gating means dependencies answer.
SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "outside", "pilot.outside.main:create_app", SERVICE_PORTS["outside"], "OUTSIDE_", None, False
    ),
    _service("chain"),
    _service("consent"),
    _service("videoconf"),
    _service("registry_gateway"),
    _service("portal"),
)
