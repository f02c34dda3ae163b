"""Typed HTTP client of the registry_gateway service — the only module other services import.

Personal-data lookups name a purpose and the consent they rely on; the gateway checks that
consent with the consent service and records the use before it answers.
"""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from typing import Any

from common.http_client import ServiceClient
from registry_gateway.schemas import (
    CaseAction,
    CaseKind,
    CaseStatus,
    CaseView,
    CivilActsRecord,
    CourtCasesRecord,
    CreditHistory,
    DecisionDraft,
    DocumentSpec,
    FamilyRecord,
    LegalEntityRecord,
    ListHit,
    OwnershipHistory,
    PartySpec,
    PaymentReceipt,
    PersonRecord,
    PropertyRecord,
    RegistrarDecision,
    ScenarioPerson,
    ScenarioProperty,
)

__all__ = ["RegistryGatewayClient"]


class RegistryGatewayClient(ServiceClient):
    audience = "registry_gateway"

    # ------------------------------------------------------------ state systems

    def _lookup(self, path: str, purpose: str, consent_id: str, **params: Any) -> Any:
        return self.get_json(path, params={"purpose": purpose, "consent_id": consent_id, **params})

    def person(self, iin: str, *, purpose: str, consent_id: str) -> PersonRecord:
        return PersonRecord.model_validate(self._lookup(f"/v1/persons/{iin}", purpose, consent_id))

    def family(self, iin: str, *, purpose: str, consent_id: str) -> FamilyRecord:
        return FamilyRecord.model_validate(self._lookup(f"/v1/persons/{iin}/family", purpose, consent_id))

    def civil_acts(self, iin: str, *, purpose: str, consent_id: str) -> CivilActsRecord:
        data = self._lookup(f"/v1/persons/{iin}/civil-acts", purpose, consent_id)
        return CivilActsRecord.model_validate(data)

    def ownership_history(
        self, iin: str, years: int = 5, *, purpose: str, consent_id: str
    ) -> OwnershipHistory:
        data = self._lookup(f"/v1/persons/{iin}/ownership-history", purpose, consent_id, years=years)
        return OwnershipHistory.model_validate(data)

    def credit_history(self, iin: str, *, purpose: str, consent_id: str) -> CreditHistory:
        data = self._lookup(f"/v1/persons/{iin}/credit-history", purpose, consent_id)
        return CreditHistory.model_validate(data)

    def court_cases(self, iin: str, *, purpose: str, consent_id: str) -> CourtCasesRecord:
        data = self._lookup(f"/v1/persons/{iin}/court-cases", purpose, consent_id)
        return CourtCasesRecord.model_validate(data)

    def legal_entity(self, bin: str) -> LegalEntityRecord:
        return LegalEntityRecord.model_validate(self.get_json(f"/v1/legal-entities/{bin}"))

    def property(self, cadastral_number: str) -> PropertyRecord:
        return PropertyRecord.model_validate(self.get_json(f"/v1/properties/{cadastral_number}"))

    def terrorism_list_hit(self, iin_or_bin: str) -> bool:
        return ListHit.model_validate(self.get_json(f"/v1/lists/terrorism/{iin_or_bin}")).hit

    def affiliated_with_housing_company(self, iin: str) -> bool:
        return ListHit.model_validate(self.get_json(f"/v1/lists/affiliated/{iin}")).hit

    # ------------------------------------------------------------ scenario (tests and demos)

    def scenario_person(self, spec: ScenarioPerson | None = None, **fields: Any) -> PersonRecord:
        body = (spec or ScenarioPerson.model_validate(fields)).model_dump(mode="json")
        return PersonRecord.model_validate(self.post_json("/v1/scenario/persons", body))

    def scenario_property(self, spec: ScenarioProperty | None = None, **fields: Any) -> PropertyRecord:
        body = (spec or ScenarioProperty.model_validate(fields)).model_dump(mode="json")
        return PropertyRecord.model_validate(self.post_json("/v1/scenario/properties", body))

    def seed(self) -> dict[str, dict[str, str]]:
        """The deterministic seed's identifiers: persons, entities and properties by role."""
        return dict(self.get_json("/v1/scenario/seed"))

    # ------------------------------------------------------------ registration cases

    def submit_case(
        self,
        kind: CaseKind | str,
        cadastral_number: str,
        parties: list[PartySpec],
        documents: list[DocumentSpec],
        portal_ref: str,
        related_case: str | None = None,
        consent_id: str | None = None,
    ) -> CaseView:
        """Open a case; the same `portal_ref` and kind again returns the case already opened."""
        body = {
            "kind": str(kind),
            "cadastral_number": cadastral_number,
            "parties": [p.model_dump(mode="json") for p in parties],
            "documents": [d.model_dump(mode="json") for d in documents],
            "portal_ref": portal_ref,
            "related_case": related_case,
            "consent_id": consent_id,
        }
        key = f"{kind}:{portal_ref}"
        return CaseView.model_validate(self.post_json("/v1/cases", body, idempotency_key=key))

    def get_case(self, case_id: str) -> CaseView:
        return CaseView.model_validate(self.get_json(f"/v1/cases/{case_id}"))

    def case_status(self, case_id: str) -> CaseStatus:
        return CaseStatus.model_validate(self.get_json(f"/v1/cases/{case_id}/status"))

    def list_cases(self, state: str | None = None) -> list[CaseStatus]:
        params = {"state": state} if state else {}
        return [CaseStatus.model_validate(c) for c in self.get_json("/v1/cases", params=params)]

    def application_document(self, case_id: str) -> bytes:
        """The application every party signs (detached CMS over exactly these bytes)."""
        return self.request("GET", f"/v1/cases/{case_id}/application").content

    def sign_case_application(self, case_id: str, party_iin_or_bin: str, cms_der: bytes) -> CaseView:
        body = {"party": party_iin_or_bin, "cms_b64": base64.b64encode(cms_der).decode()}
        return CaseView.model_validate(self.post_json(f"/v1/cases/{case_id}/signatures", body))

    def pay_fee(self, case_id: str, amount: Decimal, payer: str | None = None) -> PaymentReceipt:
        body = {"amount": str(amount), "payer": payer}
        data = self.post_json(f"/v1/cases/{case_id}/payment", body, idempotency_key=f"pay:{case_id}")
        return PaymentReceipt.model_validate(data)

    def schedule_video(self, case_id: str, starts_at: datetime) -> CaseView:
        body = {"starts_at": starts_at.isoformat()}
        return CaseView.model_validate(self.post_json(f"/v1/cases/{case_id}/video", body))

    def video_invitation(self, case_id: str, iin: str) -> dict[str, Any]:
        """A participant's short-lived join link (the video service's InvitationView)."""
        return dict(self.post_json(f"/v1/cases/{case_id}/video/invitations", {"iin": iin}))

    # ------------------------------------------------------------ registrar

    def run_checks(self, case_id: str) -> CaseView:
        return CaseView.model_validate(self.post_json(f"/v1/cases/{case_id}/checks", {}))

    def decision_draft(
        self,
        case_id: str,
        action: CaseAction | str,
        *,
        ground_code: str | None = None,
        reasons: str | None = None,
        documents_requested: list[str] | None = None,
        term_days: int | None = None,
    ) -> DecisionDraft:
        body = {
            "ground_code": ground_code,
            "reasons": reasons,
            "documents_requested": documents_requested or [],
            "term_days": term_days,
        }
        data = self.post_json(f"/v1/cases/{case_id}/decisions/{action}/draft", body)
        return DecisionDraft.model_validate(data)

    def decide(self, case_id: str, action: CaseAction | str, decision: RegistrarDecision) -> CaseView:
        data = self.post_json(f"/v1/cases/{case_id}/decisions/{action}", decision.model_dump(mode="json"))
        return CaseView.model_validate(data)

    def resume(self, case_id: str, documents: list[DocumentSpec], reason: str) -> CaseView:
        body = {"documents": [d.model_dump(mode="json") for d in documents], "reason": reason}
        return CaseView.model_validate(self.post_json(f"/v1/cases/{case_id}/resume", body))
