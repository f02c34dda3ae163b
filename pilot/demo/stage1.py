"""Stage 1 (§6–§18): the akimat's list, applications with consent, a guarantor, review,
schedules and the lease signed applicant → guarantor → head; and one refused application."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pilot.demo.actors import Actor

__all__ = ["PDF_PLACEHOLDER", "Stage1", "wait_for"]

# Certificates only the applicant holds (§10); a tiny well-formed PDF stands for each scan.
PDF_PLACEHOLDER = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def wait_for(fetch: Callable[[], Any], until: Callable[[Any], bool], what: str, timeout_s: float = 60) -> Any:
    """Poll until background work (outboxes, checkpoints) has landed."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = fetch()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout_s:.0f} s for {what}")
        time.sleep(0.2)


@dataclass
class Stage1:
    officer: Actor
    head: Actor
    applicant: Actor
    guarantor: Actor
    refused: Actor
    married: Actor
    cadastral_number: str
    second_flat: str  # the refused applicant applies for another flat
    third_flat: str  # the married applicant's
    price: str
    facts: dict[str, Any] = field(default_factory=dict)

    def offer_flat(self) -> dict[str, Any]:
        self.officer.login()
        self.head.login()
        for cadastral_number in (self.cadastral_number, self.second_flat, self.third_flat):
            self.officer.post("/v1/flats", {"cadastral_number": cadastral_number, "price": self.price})
        return {"flats": f"{self.cadastral_number}, {self.second_flat}", "price": self.price}

    def load_list(self) -> dict[str, Any]:
        rows = [
            "iin,category,phone",
            f"{self.applicant.iin},budget_employee,+77011234503",
            f"{self.refused.iin},socially_vulnerable,+77011234510",
            f"{self.married.iin},city_forming_employee,+77011234511",
        ]
        loaded = self.officer.call(
            "POST",
            "/v1/lists",
            params={"akimat": "Astana"},
            content="\n".join(rows) + "\n",
            headers={"Content-Type": "text/csv"},
        )
        return {"rows_loaded": loaded["rows_loaded"]}

    def married_couple_signs_a_lease(self) -> dict[str, Any]:
        """A solvent married applicant, no guarantor: the lease signed by applicant and head."""
        app_id = self._apply(self.married, "900000", self.third_flat)
        missing = self.married.get(f"/v1/applications/{app_id}")["missing"]
        for item in [m for m in missing if m.startswith("upload.")]:
            doc_type = item.removeprefix("upload.")
            self.married.call(
                "POST",
                f"/v1/applications/{app_id}/uploads",
                data={"doc_type": doc_type},
                files={"file": (f"{doc_type}.pdf", PDF_PLACEHOLDER, "application/pdf")},
            )
        self.married.post(f"/v1/applications/{app_id}/finalise")
        document = self.married.get_bytes(f"/v1/applications/{app_id}/document")
        self.married.post(f"/v1/applications/{app_id}/submit", {"cms": self.married.sign(document)})
        self.officer.post(f"/v1/applications/{app_id}/checks")
        self.officer.post(f"/v1/applications/{app_id}/decision", {"approve": True})
        lease = self.married.get(f"/v1/applications/{app_id}/lease")
        content = self.married.get_bytes(f"/v1/leases/{lease['id']}/document")
        for signer in (self.married, self.head):
            signer.post(f"/v1/leases/{lease['id']}/signatures", {"cms": signer.sign(content)})
        self.facts["married_lease"] = lease["id"]
        return {"application": app_id, "lease": lease["id"], "marital_status": "married (civil registry)"}

    def _apply(self, person: Actor, income: str, cadastral_number: str) -> str:
        person.login()
        app = person.post("/v1/applications", {"cadastral_number": cadastral_number, "term_months": 120})
        artefact = person.get_bytes(f"/v1/applications/{app['id']}/consent/artefact")
        app = person.post(f"/v1/applications/{app['id']}/consent", {"cms": person.sign(artefact)})
        if app["consent"]["status"] != "ACTIVE":
            raise AssertionError(f"consent is {app['consent']['status']}")
        person.put(
            f"/v1/applications/{app['id']}/form",
            {"employer": "School 12", "position": "Teacher", "service_months": 60, "monthly_income": income},
        )
        for doc_type in ("employment_certificate", "salary_certificate", "no_marriage_statement"):
            person.call(
                "POST",
                f"/v1/applications/{app['id']}/uploads",
                data={"doc_type": doc_type},
                files={"file": (f"{doc_type}.pdf", PDF_PLACEHOLDER, "application/pdf")},
            )
        return str(app["id"])

    def apply_with_consent(self) -> dict[str, Any]:
        app_id = self._apply(self.applicant, "250000", self.cadastral_number)
        self.facts["application"] = app_id
        app = self.applicant.get(f"/v1/applications/{app_id}")
        return {"application": app_id, "autofilled_name": app["applicant"]["name"], "consent": "ACTIVE"}

    def bring_guarantor(self) -> dict[str, Any]:
        app_id = self.facts["application"]
        refused = self.applicant.call("POST", f"/v1/applications/{app_id}/finalise", expect=422)
        self.applicant.post(
            f"/v1/applications/{app_id}/guarantors", {"kind": "individual", "identifier": self.guarantor.iin}
        )
        self.guarantor.login()
        (mine,) = self.guarantor.get("/v1/guarantees")
        artefact = self.guarantor.get_bytes(f"/v1/guarantees/{mine['id']}/consent/artefact")
        self.guarantor.post(f"/v1/guarantees/{mine['id']}/consent", {"cms": self.guarantor.sign(artefact)})
        self.guarantor.put(f"/v1/guarantees/{mine['id']}/income", {"monthly_income": "600000"})
        self.facts["guarantee"] = mine["id"]
        return {"first_try": refused["code"], "guarantor": self.guarantor.iin[:6] + "******"}

    def sign_and_submit(self) -> dict[str, Any]:
        app_id = self.facts["application"]
        app = self.applicant.post(f"/v1/applications/{app_id}/finalise")
        document = self.applicant.get_bytes(f"/v1/applications/{app_id}/document")
        self.guarantor.post(
            f"/v1/guarantees/{self.facts['guarantee']}/signature", {"cms": self.guarantor.sign(document)}
        )
        submitted = self.applicant.post(
            f"/v1/applications/{app_id}/submit", {"cms": self.applicant.sign(document)}
        )
        solvency = app["solvency"]
        return {
            "monthly_payment": solvency.get("monthly_payment"),
            "payment_to_income": solvency["payment_to_income"],
            "status": submitted["status"],
            "review_deadline": submitted["review_deadline"],
        }

    def review_and_approve(self) -> dict[str, Any]:
        app_id = self.facts["application"]
        checked = self.officer.post(f"/v1/applications/{app_id}/checks")
        if not checked["review"]["passed"]:
            raise AssertionError(f"review failed: {checked['review']}")
        self.officer.post(f"/v1/applications/{app_id}/decision", {"approve": True})
        schedule = self.applicant.get(f"/v1/applications/{app_id}/schedule")
        first, last = schedule["rows"][0], schedule["rows"][-1]
        return {
            "months": len(schedule["rows"]),
            "first_payment": first.get("payment"),
            "last_payment": last.get("payment"),
            "tax_years": len(schedule["property_tax"]["years"]),
        }

    def sign_lease(self) -> dict[str, Any]:
        app_id = self.facts["application"]
        lease = self.applicant.get(f"/v1/applications/{app_id}/lease")
        content = self.applicant.get_bytes(f"/v1/leases/{lease['id']}/document")
        out_of_order = self.head.call(
            "POST", f"/v1/leases/{lease['id']}/signatures", json={"cms": self.head.sign(content)}, expect=409
        )
        # the order is the law's: applicant → guarantors → head (§17–§18)
        for signer in (self.applicant, self.guarantor, self.head):
            signer.post(f"/v1/leases/{lease['id']}/signatures", {"cms": signer.sign(content)})
        signed = wait_for(
            lambda: self.applicant.get(f"/v1/leases/{lease['id']}"),
            lambda v: v.get("chain_index") is not None,
            "lease.signed on the chain",
        )
        self.facts.update(
            lease=lease["id"],
            lease_document=content,
            lease_cms=self.applicant.get_bytes(f"/v1/leases/{lease['id']}/cms"),
            lease_receipt=wait_for(
                lambda: self.applicant.call("GET", f"/v1/leases/{lease['id']}/receipt", expect=(200, 503)),
                lambda r: isinstance(r, bytes) and r.startswith(b"c2sp.org/tlog-proof"),
                "the lease's receipt",
            ),
        )
        return {
            "lease": lease["id"],
            "chain_index": signed["chain_index"],
            "out_of_order": out_of_order["code"],
        }

    def refuse_listed_applicant(self) -> dict[str, Any]:
        app_id = self._apply(self.refused, "900000", self.second_flat)
        document_app = self.refused.post(f"/v1/applications/{app_id}/finalise")
        document = self.refused.get_bytes(f"/v1/applications/{app_id}/document")
        self.refused.post(f"/v1/applications/{app_id}/submit", {"cms": self.refused.sign(document)})
        review = self.officer.post(f"/v1/applications/{app_id}/checks")["review"]
        if review["passed"]:
            raise AssertionError("a person on the financing-of-terrorism list passed the review")
        reasons = "Listed as linked to the financing of terrorism (§15.4)"
        self.officer.post(f"/v1/applications/{app_id}/decision", {"approve": False, "reasons": reasons})
        self.refused.post(
            f"/v1/applications/{app_id}/objection", {"text": "I ask to be heard: this is a mistake."}
        )
        refusal = self.head.get_bytes(f"/v1/applications/{app_id}/refusal/document")
        final = self.head.post(f"/v1/applications/{app_id}/refusal", {"cms": self.head.sign(refusal)})
        return {
            "application": app_id,
            "status": final["status"],
            "ground": "§15.4 terrorism list",
            "solvency_ok": not document_app["solvency"]["needs_guarantor"],
        }
