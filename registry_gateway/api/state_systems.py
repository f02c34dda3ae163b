"""`/v1/persons`, `/v1/legal-entities`, `/v1/properties`, `/v1/lists`: the state systems.
Personal data is released only under the subject's consent, and each release is recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query

from common.ids import InvalidIdentifier, parse_bin, parse_iin
from common.problems import Problem
from registry_gateway.api.deps import Caller
from registry_gateway.consent_gate import consented_record, state_systems
from registry_gateway.schemas import (
    CivilActsRecord,
    CourtCasesRecord,
    CreditHistory,
    FamilyRecord,
    LegalEntityRecord,
    ListHit,
    OwnershipHistory,
    PersonRecord,
    PropertyRecord,
)
from registry_gateway.stand_in import StandInStateSystems

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["state systems"])
T = TypeVar("T")

Purpose = Annotated[str, Query(min_length=1, max_length=60)]
ConsentId = Annotated[str, Query(min_length=1, max_length=64)]


def _iin(text: str) -> str:
    try:
        return parse_iin(text).value
    except InvalidIdentifier as exc:
        raise Problem(422, exc.code, str(exc)) from None


def _consented(
    iin: str,
    caller: str,
    purpose: str,
    consent_id: str,
    categories: list[str],
    what: str,
    lookup: Callable[[StandInStateSystems, str], T | None],
) -> T:
    return consented_record(
        subject_iin=_iin(iin),
        consent_id=consent_id,
        requester=caller,
        purpose=purpose,
        categories=categories,
        detail=what,
        read=lookup,
    )


@router.get("/persons/{iin}", response_model=PersonRecord, summary="Individuals database (ЖТ МДБ)")
def person(iin: str, caller: Caller, purpose: Purpose, consent_id: ConsentId) -> Any:
    categories = [
        "full_name",
        "address",
        "phones",
        "iin",
        "birth",
        "sex",
        "marital_status",
        "citizenship",
        "dispensary",
    ]
    return _consented(
        iin, caller.name, purpose, consent_id, categories, "individuals database", lambda s, i: s.person(i)
    )


@router.get("/persons/{iin}/family", response_model=FamilyRecord, summary="Family: spouse and children")
def family(iin: str, caller: Caller, purpose: Purpose, consent_id: ConsentId) -> Any:
    return _consented(
        iin, caller.name, purpose, consent_id, ["iin", "marital_status"], "family", lambda s, i: s.family(i)
    )


@router.get("/persons/{iin}/civil-acts", response_model=CivilActsRecord, summary="Civil registry (АХАЖ) acts")
def civil_acts(iin: str, caller: Caller, purpose: Purpose, consent_id: ConsentId) -> Any:
    return _consented(
        iin,
        caller.name,
        purpose,
        consent_id,
        ["marital_status"],
        "civil registry",
        lambda s, i: s.civil_acts(i),
    )


@router.get("/persons/{iin}/ownership-history", response_model=OwnershipHistory, summary="Real estate owned")
def ownership_history(
    iin: str,
    caller: Caller,
    purpose: Purpose,
    consent_id: ConsentId,
    years: Annotated[int, Query(ge=1, le=20)] = 5,
) -> Any:
    return _consented(
        iin,
        caller.name,
        purpose,
        consent_id,
        ["property"],
        f"ownership, {years} years",
        lambda s, i: s.ownership_history(i, years),
    )


@router.get("/persons/{iin}/credit-history", response_model=CreditHistory, summary="Credit history summary")
def credit_history(iin: str, caller: Caller, purpose: Purpose, consent_id: ConsentId) -> Any:
    return _consented(
        iin,
        caller.name,
        purpose,
        consent_id,
        ["iin", "full_name"],
        "credit history",
        lambda s, i: s.credit_history(i),
    )


@router.get("/persons/{iin}/court-cases", response_model=CourtCasesRecord, summary="Court cases")
def court_cases(iin: str, caller: Caller, purpose: Purpose, consent_id: ConsentId) -> Any:
    return _consented(
        iin,
        caller.name,
        purpose,
        consent_id,
        ["iin", "full_name"],
        "court cases",
        lambda s, i: s.court_cases(i),
    )


@router.get(
    "/legal-entities/{bin}", response_model=LegalEntityRecord, summary="Legal entities database (ЗТ МДБ)"
)
def legal_entity(bin: str, caller: Caller) -> Any:
    try:
        bin = parse_bin(bin).value
    except InvalidIdentifier as exc:
        raise Problem(422, exc.code, str(exc)) from None
    record = state_systems(lambda systems: systems.legal_entity(bin))
    if record is None:
        raise Problem(404, "registry.entity_not_found", f"no legal entity {bin}")
    return record


@router.get("/properties/{cadastral_number:path}", response_model=PropertyRecord, summary="Cadastre (ЖМБМК)")
def property_record(cadastral_number: str, caller: Caller) -> Any:
    record = state_systems(lambda systems: systems.property(cadastral_number))
    if record is None:
        raise Problem(404, "registry.property_not_found", f"no object {cadastral_number} in the cadastre")
    return record


@router.get(
    "/lists/terrorism/{subject}", response_model=ListHit, summary="Terrorism/extremism financing list"
)
def terrorism_list(subject: str, caller: Caller) -> ListHit:
    hit = state_systems(lambda systems: systems.terrorism_list_hit(subject))
    return ListHit(subject=subject, hit=hit, list_name="terrorism_financing", checked_at=datetime.now(UTC))


@router.get(
    "/lists/affiliated/{iin}", response_model=ListHit, summary="Persons affiliated with the housing company"
)
def affiliated(iin: str, caller: Caller) -> ListHit:
    subject_iin = _iin(iin)
    hit = state_systems(lambda systems: systems.affiliated_with_housing_company(subject_iin))
    return ListHit(subject=iin, hit=hit, list_name="housing_company_affiliates", checked_at=datetime.now(UTC))
