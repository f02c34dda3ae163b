"""Typed HTTP client of the consent service — the only module other services import.

    consent = ConsentClient(service_url("consent"), caller_key=get_service_key())
    view = consent.request_consent(iin, "ASANOV ASAN", "rent_to_own.application", "portal", app_id)
    ...the subject signs consent.artefact_bytes(view.id) with EDS, the portal passes the CMS on:
    consent.grant_with_cms(view.id, cms_der)
    consent.record_use(view.id, "portal", view.purpose, ["iin", "marital_status"], "civil registry")

Errors arrive as `common.http_client.ServiceError` with a stable `.code`, e.g. 403
`consent.not_active`, 403 `consent.category_not_covered`, 409 `consent.invalid_transition`,
422 `consent.signer_mismatch`.
"""

from __future__ import annotations

import base64
import hashlib
import uuid

from common.http_client import ServiceClient
from consent.schemas import (
    CaseClosed,
    CheckResult,
    ConsentView,
    OtpSent,
    SubjectLink,
    UseView,
)

__all__ = ["ConsentClient"]


class ConsentClient(ServiceClient):
    audience = "consent"

    def request_consent(
        self,
        subject_iin: str,
        subject_name: str,
        purpose: str,
        requester: str,
        case_ref: str,
        phone: str | None = None,
        lang: str = "kk",
        categories: list[str] | None = None,
    ) -> ConsentView:
        """Create a PENDING consent (or get the open one for the same subject, purpose and case)."""
        body = {
            "subject_iin": subject_iin,
            "subject_name": subject_name,
            "purpose": purpose,
            "requester": requester,
            "case_ref": case_ref,
            "phone": phone,
            "lang": lang,
            "categories": categories,
        }
        # The service returns the open consent for the same request, so a retry is harmless.
        key = hashlib.sha256(f"{requester}|{case_ref}|{purpose}|{subject_iin}".encode()).hexdigest()
        return ConsentView.model_validate(self.post_json("/v1/consents", body, idempotency_key=key))

    def get(self, consent_id: str) -> ConsentView:
        return ConsentView.model_validate(self.get_json(f"/v1/consents/{consent_id}"))

    def list_for_subject(self, subject_iin: str) -> list[ConsentView]:
        rows = self.get_json("/v1/consents", params={"subject": subject_iin})
        return [ConsentView.model_validate(row) for row in rows]

    def artefact_bytes(self, consent_id: str) -> bytes:
        """The exact canonical JSON (RFC 8785) the subject signs with EDS (detached CMS)."""
        return self.request("GET", f"/v1/consents/{consent_id}/artefact").content

    def grant_with_cms(self, consent_id: str, cms_der: bytes) -> ConsentView:
        body = {"cms_base64": base64.b64encode(cms_der).decode()}
        return ConsentView.model_validate(self.post_json(f"/v1/consents/{consent_id}/grant/cms", body))

    def send_otp(self, consent_id: str) -> OtpSent:
        return OtpSent.model_validate(self.post_json(f"/v1/consents/{consent_id}/otp", {}))

    def grant_with_otp(self, consent_id: str, code: str) -> ConsentView:
        body = {"code": code}
        return ConsentView.model_validate(self.post_json(f"/v1/consents/{consent_id}/grant/otp", body))

    def reject(self, consent_id: str, reason: str) -> ConsentView:
        body = {"reason": reason}
        return ConsentView.model_validate(self.post_json(f"/v1/consents/{consent_id}/reject", body))

    def request_revocation(self, consent_id: str, reason: str) -> ConsentView:
        body = {"reason": reason}
        return ConsentView.model_validate(self.post_json(f"/v1/consents/{consent_id}/revocation", body))

    def decide_revocation(self, consent_id: str, accept: bool, reason: str) -> ConsentView:
        """The controller's answer (law art. 8(2)): accept → REVOKED, deny → REVOCATION_DENIED."""
        body = {"accept": accept, "reason": reason}
        path = f"/v1/consents/{consent_id}/revocation/decision"
        return ConsentView.model_validate(self.post_json(path, body))

    def check(self, subject_iin: str, purpose: str, requester: str) -> CheckResult:
        params = {"subject": subject_iin, "purpose": purpose, "requester": requester}
        return CheckResult.model_validate(self.get_json("/v1/consents/check", params=params))

    def record_use(
        self,
        consent_id: str,
        requester: str,
        purpose: str,
        categories: list[str],
        detail: str = "",
        *,
        use_id: str | None = None,
    ) -> UseView:
        """Declare a use before it happens; 403 when the consent is not in force or does not cover it."""
        body = {"requester": requester, "purpose": purpose, "categories": categories, "detail": detail}
        # The key makes a retried declaration land on the same log line.
        key = use_id or uuid.uuid4().hex
        return UseView.model_validate(
            self.post_json(f"/v1/consents/{consent_id}/uses", body, idempotency_key=key)
        )

    def uses(self, consent_id: str) -> list[UseView]:
        return [UseView.model_validate(row) for row in self.get_json(f"/v1/consents/{consent_id}/uses")]

    def close_case(self, case_ref: str) -> CaseClosed:
        """The service period of `case_ref` is over: its consents expire."""
        # Closing twice is harmless (the second call expires nothing), so retries are safe.
        body = {"case_ref": case_ref}
        return CaseClosed.model_validate(
            self.post_json("/v1/cases/close", body, idempotency_key=f"close:{case_ref}")
        )

    def subject_link(self, consent_id: str) -> SubjectLink:
        """A signed link to the subject's page for this consent, to send by SMS or show in a cabinet."""
        return SubjectLink.model_validate(self.post_json(f"/v1/consents/{consent_id}/link", {}))
