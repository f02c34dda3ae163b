"""Every personal-data lookup is checked against the subject's consent and recorded as a use
with the consent service before the gateway answers (law No. 94-V art. 8; DESIGN.md §5)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session

from common.http_client import ServiceError
from common.problems import Problem
from common.settings import service_url
from consent.client import ConsentClient
from registry_gateway.config import get_service_key
from registry_gateway.db import get_engine
from registry_gateway.stand_in import StandInStateSystems

__all__ = ["authorise_use", "consented_record", "state_systems"]

T = TypeVar("T")


def state_systems(read: Callable[[StandInStateSystems], T]) -> T:
    """One read of the state systems (their stand-in), in a short session of its own."""
    with Session(get_engine()) as session:
        return read(StandInStateSystems(session))


def consented_record(
    *,
    subject_iin: str,
    consent_id: str,
    requester: str,
    purpose: str,
    categories: list[str],
    detail: str,
    read: Callable[[StandInStateSystems, str], T | None],
) -> T:
    """A subject's record, released only under their consent and recorded as a use: 404 for an
    unknown person (before the consent is touched), 403 without a consent covering the use."""
    if state_systems(lambda systems: read(systems, subject_iin)) is None:
        raise Problem(
            404, "registry.person_not_found", f"no person {subject_iin} in the individuals database"
        )
    authorise_use(
        subject_iin=subject_iin,
        consent_id=consent_id,
        requester=requester,
        purpose=purpose,
        categories=categories,
        detail=detail,
    )
    record = state_systems(lambda systems: read(systems, subject_iin))
    assert record is not None  # the registers are not edited through the gateway
    return record


def authorise_use(
    *, subject_iin: str, consent_id: str, requester: str, purpose: str, categories: list[str], detail: str
) -> str:
    """Raise a 403 problem unless the consent is the subject's, in force, and covers the use;
    returns the id of the recorded use. The gateway declares the use as itself (a recipient
    under the consent) and names the service it answers in the use's detail."""
    with ConsentClient(service_url("consent"), caller_key=get_service_key()) as consent:
        try:
            view = consent.get(consent_id)
            if view.artefact.get("subject", {}).get("iin") != subject_iin:
                raise Problem(403, "consent.subject_mismatch", "the consent is not the subject's")
            if not view.in_force:
                raise Problem(403, "consent.not_active", f"the consent is {view.status}")
            use = consent.record_use(
                consent_id, "registry_gateway", purpose, categories, f"{detail} for {requester}"[:500]
            )
        except ServiceError as exc:
            if exc.status in (401, 403, 404, 409, 422):
                raise Problem(403, exc.code, str(exc.problem.get("detail", exc))) from None
            raise Problem(503, "consent.unavailable", "the consent service cannot be reached") from None
    return use.id
