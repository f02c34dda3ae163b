"""Stage 2 from the portal over HTTP (§19–§28): KZhK forms the application for the signed
lease; it appears in the applicant's cabinet; consent, both signatures, the fee and the video
check; the registrar registers; the state comes back by callback with the notices' dates; the
credit bureau hears of it once."""

from __future__ import annotations

import time

from tests.portal.conftest import new_iin
from tests.portal.stages import Stages, ok, wait
from tests.portal.stages import stages_real_video as stages_real_video  # the fixture


def test_the_lease_is_registered_as_an_encumbrance(stages_real_video: Stages) -> None:
    stages = stages_real_video
    deal = stages.signed_lease()
    applicant, officer, head = deal.applicant, deal.officer, deal.head

    # Only the housing company forms it, and only for a signed lease; forming twice is one case.
    refused = applicant.post(f"/v1/leases/{deal.lease_id}/registration")
    assert refused.status_code == 403
    case = ok(officer.post(f"/v1/leases/{deal.lease_id}/registration"), 201)
    assert ok(officer.post(f"/v1/leases/{deal.lease_id}/registration"), 201)["id"] == case["id"]
    case_id = case["id"]
    assert case["kind"] == "encumbrance.lease"
    assert case["representative_iin"] == head.iin  # the head who signed the lease acts for KZhK
    assert ok(applicant.get(f"/v1/applications/{deal.application_id}"))["status"] == "registration"

    # It is in the applicant's cabinet, with a notice.
    (mine,) = ok(applicant.get("/v1/registrations"))
    assert mine["id"] == case_id
    assert mine["next"] == ["consent", "applicant_signature", "company_signature", "payment", "video"]
    notices = ok(applicant.get("/v1/me"))["notices"]
    assert any(n["kind"] == "registration.formed" and n["ref"] == case_id for n in notices)

    # The applicant signs only after consenting for this registration.
    application = applicant.get(f"/v1/registrations/{case_id}/application").content
    early = applicant.post(f"/v1/registrations/{case_id}/signatures", {"cms": applicant.sign(application)})
    assert early.status_code == 409
    assert early.json()["code"] == "registration.consent_required"
    # the fee waits for both signatures (the gateway says so)
    unpaid = applicant.post(f"/v1/registrations/{case_id}/payment")
    assert unpaid.status_code == 409
    assert unpaid.json()["code"] == "case.not_awaiting_payment"

    case = stages.prepare_case(deal, case_id)
    assert case["consent"] == {
        "id": case["consent"]["id"],
        "status": "ACTIVE",
        "purpose": "registration.encumbrance",
    }
    assert case["signed"]["applicant"]
    assert case["signed"]["housing_company"]
    assert case["state"] == "awaiting_video"
    assert case["deadline"]  # one working day after the fee is confirmed (§38)
    assert case["next"] == ["registrar"]
    stranger = stages.stack.person(new_iin(), "Бөтенов", "Адам").login()  # no part in the case
    assert stranger.post(f"/v1/registrations/{case_id}/video/invitation").status_code == 404

    stages.hold_video(case_id, deal)  # real WebRTC: registrar, applicant, KZhK's head
    stages.register(case_id)

    # The state comes back by callback: the cabinet shows it, with each notice's dates.
    case = wait(
        lambda: ok(applicant.get(f"/v1/registrations/{case_id}")), lambda c: c["state"] == "registered"
    )
    assert case["decision"]["action"] == "register"
    kinds = [n["kind"] for n in case["notices"]]
    assert kinds[0] == "registration.formed"
    assert kinds[-1] == "registration.registered"
    assert all(n["sent_at"] for n in case["notices"])
    assert ok(applicant.get(f"/v1/applications/{deal.application_id}"))["status"] == "registered"
    notice = next(n for n in ok(applicant.get("/v1/me"))["notices"] if n["kind"] == "registration.registered")
    assert ok(applicant.post(f"/v1/me/notices/{notice['id']}/read"))["read_at"]
    read = ok(applicant.get(f"/v1/registrations/{case_id}"))["notices"][-1]
    assert read["read_at"]
    assert read["sent_at"] <= read["read_at"]

    # The cadastre holds the lease encumbrance; the credit bureau got one signed notice.
    record = stages.gateway.property(deal.cadastral_number)
    live = [(e.kind, e.holder_iin) for e in record.encumbrances if e.terminated_at is None]
    assert live == [("lease", applicant.iin)]
    hooks = wait(lambda: stages.outside.get("/v1/bureau/webhooks").json(), bool)
    time.sleep(1.5)  # a second delivery, were there one, would have landed by now
    hooks = stages.outside.get("/v1/bureau/webhooks").json()
    assert [(h["type"], h["payload"]["data"]["case_id"]) for h in hooks] == [
        ("registration.registered", case_id)
    ]
