"""In Debian's chromium: an applicant whose application is approved (set up over the API, as in
tests/portal/test_journey.py) logs in with EDS and signs the lease in the page, both through a
running `rto signer`; the lease then shows the applicant's signature, and once the guarantor and
the head have signed, the printed lease's QR link opens the public verification page."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from common.service_keys import development_key
from portal.config import get_settings
from registry_gateway.client import RegistryGatewayClient
from tests.e2e.browser_support import SCREENSHOTS, chromium, needs_chromium, rto_signer
from tests.portal import conftest as portal_stack
from tests.portal.conftest import Stack
from tests.portal.support import Person

pytestmark = [pytest.mark.browser, needs_chromium]
# The portal with its real peers, on free ports (fixtures of tests/portal).
pki_dir, stack = portal_stack.pki_dir, portal_stack.stack

PDF = b"%PDF-1.4\n% a certificate\n%%EOF\n"


def _ok(response, status: int = 200):
    assert response.status_code == status, response.text
    return response.json()


def _approved(stack: Stack) -> tuple[Person, Person, Person, str]:
    """An application from the list to approval over the API: (applicant, guarantor, head, id)."""
    with RegistryGatewayClient(stack.urls["registry_gateway"], caller_key=development_key("pilot")) as rg:
        flat = rg.scenario_property(owner_bin=get_settings().housing_company_bin)
        a = rg.scenario_person(sex="F", birth_date="1995-11-20", phone="+77011234503")
        g = rg.scenario_person(sex="M", birth_date="1984-04-22", monthly_payments="64000.00")
    applicant = stack.person(a.iin, a.name_ru.surname, a.name_ru.given_name)
    guarantor = stack.person(g.iin, g.name_ru.surname, g.name_ru.given_name)
    officer, head = stack.officer().login(), stack.head().login()
    _ok(officer.post("/v1/flats", {"cadastral_number": flat.cadastral_number, "price": "15000000.00"}), 201)
    csv = f"iin,category,phone\n{applicant.iin},budget_employee,+77011234503\n"
    listed = officer.http.post(
        "/v1/lists", params={"akimat": "Astana"}, content=csv, headers={"Content-Type": "text/csv"}
    )
    _ok(listed, 201)
    applicant.login()
    body = {"cadastral_number": flat.cadastral_number, "term_months": 120}
    app_id = _ok(applicant.post("/v1/applications", body), 201)["id"]
    base = f"/v1/applications/{app_id}"
    artefact = applicant.get(f"{base}/consent/artefact").content
    _ok(applicant.post(f"{base}/consent", {"cms": applicant.sign(artefact)}))
    form = {"employer": "School 12", "position": "Teacher", "service_months": 60, "monthly_income": "250000"}
    _ok(applicant.put(f"{base}/form", form))
    for doc_type in ("employment_certificate", "salary_certificate", "no_marriage_statement"):
        files = {"file": (f"{doc_type}.pdf", PDF, "application/pdf")}
        _ok(applicant.http.post(f"{base}/uploads", data={"doc_type": doc_type}, files=files), 201)
    _ok(applicant.post(f"{base}/guarantors", {"kind": "individual", "identifier": guarantor.iin}), 201)
    guarantor.login()
    (mine,) = _ok(guarantor.get("/v1/guarantees"))
    g_base = f"/v1/guarantees/{mine['id']}"
    g_artefact = guarantor.get(f"{g_base}/consent/artefact").content
    _ok(guarantor.post(f"{g_base}/consent", {"cms": guarantor.sign(g_artefact)}))
    _ok(guarantor.put(f"{g_base}/income", {"monthly_income": "600000"}))
    _ok(applicant.post(f"{base}/finalise"))
    document = applicant.get(f"{base}/document").content
    _ok(guarantor.post(f"{g_base}/signature", {"cms": guarantor.sign(document)}))
    _ok(applicant.post(f"{base}/submit", {"cms": applicant.sign(document)}))
    assert _ok(officer.post(f"{base}/checks"))["review"]["passed"]
    assert _ok(officer.post(f"{base}/decision", {"approve": True}))["status"] == "approved"
    return applicant, guarantor, head, app_id


def test_an_applicant_signs_the_lease_in_the_browser_through_rto_signer(stack: Stack, tmp_path: Path):
    from playwright.sync_api import expect

    applicant, guarantor, head, app_id = _approved(stack)
    portal = stack.urls["portal"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with rto_signer(applicant.keys, tmp_path / "signer") as ncalayer, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{portal}/login?lang=en&ncalayer={ncalayer}")
        page.screenshot(path=SCREENSHOTS / "portal-login.png")
        page.get_by_role("button", name="Sign in with EDS").click()  # the auth key, via NCALayer
        page.wait_for_url(f"{portal}/cabinet")
        expect(page.get_by_role("heading", name="My application")).to_be_visible()
        page.screenshot(path=SCREENSHOTS / "portal-cabinet.png", full_page=True)

        page.get_by_role("link", name="Open my application").click()
        expect(
            page.get_by_role("heading", name="Status: Approved: the lease awaits signatures")
        ).to_be_visible()
        page.get_by_role("heading", name="Schedules").scroll_into_view_if_needed()
        page.screenshot(path=SCREENSHOTS / "portal-application-schedules.png")

        page.get_by_role("link", name="Open the lease").click()
        applicant_line = page.locator("ol.parties li").first
        expect(applicant_line).to_contain_text("next to sign")
        page.screenshot(path=SCREENSHOTS / "portal-lease-to-sign.png")
        page.get_by_role("button", name="Sign the lease with EDS").click()  # the signing key
        expect(applicant_line).to_contain_text("signed", timeout=30_000)
        expect(page.locator("ol.parties li").nth(1)).to_contain_text("next to sign")
        expect(page.get_by_role("button", name="Sign the lease with EDS")).to_have_count(0)
        page.screenshot(path=SCREENSHOTS / "portal-lease-signed-by-applicant.png")

        lease = _ok(applicant.get(f"/v1/applications/{app_id}/lease"))
        (signature,) = lease["signed"]
        assert signature["role"] == "applicant"
        assert signature["iin"] == applicant.iin

        # the others sign over the API; the printed lease's QR link opens the verification page
        content = applicant.get(f"/v1/leases/{lease['id']}/document").content
        _ok(guarantor.post(f"/v1/leases/{lease['id']}/signatures", {"cms": guarantor.sign(content)}))
        _ok(head.post(f"/v1/leases/{lease['id']}/signatures", {"cms": head.sign(content)}))
        deadline = time.monotonic() + 30
        while (lease := _ok(applicant.get(f"/v1/leases/{lease['id']}")))["chain_index"] is None:
            assert time.monotonic() < deadline, "lease.signed never reached the chain"
            time.sleep(0.2)
        page.goto(lease["verify_url"])
        expect(page.get_by_role("heading", name="What the portal recorded")).to_be_visible()
        expect(page.locator("#record")).to_contain_text("signed lease")
        expect(page.locator("#record")).to_contain_text("matches")
        page.screenshot(path=SCREENSHOTS / "portal-verify-qr.png", full_page=True)
