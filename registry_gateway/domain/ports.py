"""The state systems the gateway fronts, as protocols: the stand-in implements them over its
own tables; a production adapter (Smart Bridge / ШЭП) would implement the same."""

from __future__ import annotations

from typing import Protocol

from registry_gateway.schemas import (
    CivilActsRecord,
    CourtCasesRecord,
    CreditHistory,
    FamilyRecord,
    LegalEntityRecord,
    OwnershipHistory,
    PersonRecord,
    PropertyRecord,
)

__all__ = ["StateSystems"]


class StateSystems(Protocol):
    """Each lookup answers None when the registry has no such record."""

    def person(self, iin: str) -> PersonRecord | None: ...

    def family(self, iin: str) -> FamilyRecord | None: ...

    def legal_entity(self, bin: str) -> LegalEntityRecord | None: ...

    def civil_acts(self, iin: str) -> CivilActsRecord: ...

    def property(self, cadastral_number: str) -> PropertyRecord | None: ...

    def ownership_history(self, iin: str, years: int) -> OwnershipHistory: ...

    def credit_history(self, iin: str) -> CreditHistory | None: ...

    def court_cases(self, iin: str) -> CourtCasesRecord: ...

    def terrorism_list_hit(self, iin_or_bin: str) -> bool: ...

    def affiliated_with_housing_company(self, iin: str) -> bool: ...
