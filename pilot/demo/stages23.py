"""Stage 2 (§19–§28, §38): the lease registered as an encumbrance after the registrar's video
check, the credit bureau notified; one registration suspended because the spouse did not take
part. Stage 3 (§29–§37): payments to buyout, the release letter, termination and ownership."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from common.calendar import local_date
from pilot.demo.actors import Actor
from pilot.demo.stage1 import wait_for
from pilot.demo.video import Invitee, hold_video_check
from registry_gateway.client import RegistryGatewayClient
from registry_gateway.schemas import RegistrarDecision

__all__ = ["Registration"]

# Art. 27 p.1 sp.3 of the registration law: documents the applicant must still provide
SUSPEND_SPOUSE_ABSENT = "Z070000310.art27.p1.sp3"


def _token(join_url: str) -> str:
    return parse_qs(urlparse(join_url).query)["token"][0]


@dataclass
class Registration:
    """Drives one or more registration cases from the portal's side and the registrar's."""

    officer: Actor
    head: Actor
    registrar: Actor
    gateway: RegistryGatewayClient
    videoconf_url: str
    outside_url: str
    facts: dict[str, Any] = field(default_factory=dict)

    # -- the pieces every case goes through -------------------------------------------------------

    def prepare(self, applicant: Actor, case_id: str) -> dict[str, Any]:
        """Consent, both signatures, the fee, the video booked (§20, §22)."""
        case = applicant.get(f"/v1/registrations/{case_id}")
        if case["consent"]["status"] != "ACTIVE":
            artefact = applicant.get_bytes(f"/v1/registrations/{case_id}/consent/artefact")
            applicant.post(f"/v1/registrations/{case_id}/consent", {"cms": applicant.sign(artefact)})
        application = applicant.get_bytes(f"/v1/registrations/{case_id}/application")
        for signer in (applicant, self.head):
            signer.post(f"/v1/registrations/{case_id}/signatures", {"cms": signer.sign(application)})
        case = applicant.post(f"/v1/registrations/{case_id}/payment")
        self.officer.post(f"/v1/registrations/{case_id}/video", {})
        return case

    def video(
        self, case_id: str, applicant: Actor, spouse: Actor | None = None, *, spouse_attends: bool = True
    ) -> dict[str, Any]:
        room_id = self.gateway.get_case(case_id).video.room_id  # type: ignore[union-attr]
        registrar_url = self.gateway.video_invitation(case_id, self.registrar.iin)["join_url"]
        invitees = [
            Invitee("registrar", self.registrar, _token(registrar_url)),
            Invitee(
                "applicant",
                applicant,
                _token(applicant.post(f"/v1/registrations/{case_id}/video/invitation")["join_url"]),
            ),
            Invitee(
                "housing_company",
                self.head,
                _token(self.head.post(f"/v1/registrations/{case_id}/video/invitation")["join_url"]),
            ),
        ]
        if spouse is not None and spouse_attends:
            link = spouse.post(f"/v1/registrations/{case_id}/video/invitation")["join_url"]
            invitees.append(Invitee("spouse", spouse, _token(link)))
        elif spouse is not None:
            invitees.append(Invitee("spouse", spouse, token="", attends=False))
        return hold_video_check(self.videoconf_url, room_id, invitees)

    def decide(self, case_id: str, action: str, **draft: Any) -> dict[str, Any]:
        """The registrar runs the checks (§23–24) and signs the decision with EDS."""
        checked = self.gateway.run_checks(case_id)
        failed = [c.code for c in checked.checks if not c.passed]
        document_b64 = self.gateway.decision_draft(case_id, action, **draft).document_b64
        cms = self.registrar.sign(base64.b64decode(document_b64))
        decided = self.gateway.decide(
            case_id, action, RegistrarDecision(document_b64=document_b64, cms_b64=cms)
        )
        return {
            "state": decided.state,
            "checks_failed": failed,
            "decision": base64.b64decode(document_b64),
            "decision_cms": base64.b64decode(cms),
        }

    # -- stage 2 -------------------------------------------------------------------------------------

    def form(self, lease_id: str) -> str:
        case = self.officer.post(f"/v1/leases/{lease_id}/registration")
        return str(case["id"])

    def register_lease(self, applicant: Actor, lease_id: str, application_id: str) -> dict[str, Any]:
        case_id = self.form(lease_id)
        case = self.prepare(applicant, case_id)
        video = self.video(case_id, applicant)
        if video["outcome"] != "approved":
            raise AssertionError(f"video check: {video}")
        decided = self.decide(case_id, "register")
        if decided["state"] != "registered":
            raise AssertionError(f"registrar: {decided['state']}, failed checks {decided['checks_failed']}")
        wait_for(
            lambda: applicant.get(f"/v1/applications/{application_id}"),
            lambda a: a["status"] == "registered",
            "the registration to reach the applicant's cabinet",
        )
        self.facts["lease_case"] = case_id
        self.facts["registration_decision"] = (decided["decision"], decided["decision_cms"])
        return {
            "case": case_id,
            "fee": case["fee"]["receipt"]["amount"],
            "video": video["outcome"],
            "frames_received": sum(video["frames_received"].values()),
            "state": decided["state"],
        }

    def credit_bureau_notified(self) -> dict[str, Any]:
        case_id = self.facts["lease_case"]

        def received() -> list[dict[str, Any]]:
            hooks = httpx.get(f"{self.outside_url}/v1/bureau/webhooks", timeout=10).json()
            return [h for h in hooks if h["payload"]["data"].get("case_id") == case_id]

        hooks = wait_for(received, bool, "the credit bureau's signed notice")
        if len(hooks) != 1:
            raise AssertionError(f"the bureau got {len(hooks)} notices for one registration")
        return {"notice": hooks[0]["type"], "signature": "verified by the receiver (Standard Webhooks)"}

    def suspend_for_absent_spouse(self, applicant: Actor, spouse: Actor, lease_id: str) -> dict[str, Any]:
        case_id = self.form(lease_id)
        self.prepare(applicant, case_id)
        video = self.video(case_id, applicant, spouse, spouse_attends=False)
        decided = self.decide(
            case_id,
            "suspend",
            ground_code=SUSPEND_SPOUSE_ABSENT,
            reasons="The spouse did not take part in the video check (§21, §23)",
            documents_requested=["the spouse's participation or notarised consent"],
            term_days=30,
        )
        if decided["state"] != "suspended":
            raise AssertionError(f"expected suspended, got {decided['state']}")
        return {
            "case": case_id,
            "video": video["outcome"],
            "checks_failed": ", ".join(decided["checks_failed"]),
            "ground": SUSPEND_SPOUSE_ABSENT,
        }

    # -- stage 3 -------------------------------------------------------------------------------------

    def pay_to_buyout(self, applicant: Actor, lease_id: str, application_id: str) -> dict[str, Any]:
        payments = f"/v1/leases/{lease_id}/payments"
        today = local_date(datetime.now(UTC)).isoformat()  # the bank's date, in Kazakhstan
        first = applicant.get(f"/v1/applications/{application_id}/schedule")["rows"][0]["payment"]
        self.officer.post(payments, {"amount": first, "paid_on": today, "reference": "KASPI-0001"})
        ledger = applicant.get(payments)
        last = self.officer.post(
            payments, {"amount": ledger["payoff"], "paid_on": today, "reference": "KASPI-0002"}
        )
        if not last["fully_paid"]:
            raise AssertionError(f"not fully paid: {last['remaining_price']}")
        return {
            "payments": len(last["payments"]),
            "paid": last["paid"],
            "remaining": last["remaining_price"],
            "first_instalment": str(Decimal(first)),
        }

    def release_letter(self, applicant: Actor, lease_id: str) -> dict[str, Any]:
        path = f"/v1/leases/{lease_id}/release-letter"
        letter = self.head.get_bytes(f"{path}/document")
        view = self.head.post(path, {"cms": self.head.sign(letter)})
        view = wait_for(lambda: applicant.get(path), lambda v: v["chain_index"] is not None, "letter.issued")
        self.facts["letter"] = (letter, applicant.get_bytes(f"{path}/cms"), view["chain_index"])
        self.facts["buyout_cases"] = {
            c["kind"]: c["id"] for c in view["cases"] if c["kind"] != "encumbrance.lease"
        }
        return {"chain_index": view["chain_index"], "cases": ", ".join(sorted(self.facts["buyout_cases"]))}

    def terminate_and_transfer(
        self, applicant: Actor, application_id: str, cadastral_number: str
    ) -> dict[str, Any]:
        cases = self.facts["buyout_cases"]
        for kind in ("encumbrance.termination", "ownership.transfer"):
            self.prepare(applicant, cases[kind])
        for kind in ("encumbrance.termination", "ownership.transfer"):
            video = self.video(cases[kind], applicant)
            if video["outcome"] != "approved":
                raise AssertionError(f"video check for {kind}: {video}")
            decided = self.decide(cases[kind], "register")
            if decided["state"] != "registered":
                raise AssertionError(f"{kind}: {decided['state']}, failed {decided['checks_failed']}")
        wait_for(
            lambda: applicant.get(f"/v1/applications/{application_id}"),
            lambda a: a["status"] == "bought_out",
            "the buyout to reach the applicant's cabinet",
        )
        owner = self.gateway.property(cadastral_number)
        if owner.owner_iin != applicant.iin:
            raise AssertionError("the cadastre does not show the tenant as owner")
        return {"termination": "registered", "ownership": "registered", "owner": applicant.iin[:6] + "******"}
