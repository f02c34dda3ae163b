"""In Debian's chromium: a registrar logs into the registry gateway's pages with EDS through a
running `rto signer`, runs the checks of a paid case whose video check went well (set up over
the API, as in tests/registry_gateway/test_pages.py), and registers it — the decision drafted by
the server, signed in NCALayer, taken."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.e2e.browser_support import SCREENSHOTS, chromium, needs_chromium, rto_signer
from tests.registry_gateway import conftest as gateway_world
from tests.registry_gateway.conftest import Signer, World, person_signer

pytestmark = [pytest.mark.browser, needs_chromium]
# The registry gateway with its neighbours on free ports (fixtures of tests/registry_gateway).
shared_pki, world, registrar, company = (
    gateway_world.shared_pki,
    gateway_world.world,
    gateway_world.registrar,
    gateway_world.company,
)

# The registrar's pages use NCALayer's own address; the browser is pointed at `rto signer`
# instead, before any page script runs (the vendored client captures WebSocket when it loads).
_TO_SIGNER = """
(() => {
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url === "wss://127.0.0.1:13579" ? "%s" : url, protocols);
    }
  };
})();
"""


def test_a_registrar_registers_a_case_in_the_browser_through_rto_signer(
    world: World, company: Signer, registrar: Signer, tmp_path: Path
):
    from playwright.sync_api import expect

    applicant = person_signer("applicant_single")
    flat = world.rg.seed()["properties"]["flat_free_1"]
    case = world.submit("encumbrance.lease", flat, applicant.iin, company, "BROWSER-1")
    world.sign_all(case.id, applicant, company)
    world.rg.pay_fee(case.id, Decimal("2162.50"))
    world.hold_video(case.id)
    base = world.rg.base_url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with rto_signer(registrar.keys, tmp_path / "signer") as ncalayer, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.add_init_script(_TO_SIGNER % ncalayer)
        page.goto(f"{base}/registrar/cases/{case.id}")
        page.wait_for_url(f"{base}/registrar/login**")
        page.get_by_role("link", name="EN", exact=True).click()  # the login page, in English
        page.screenshot(path=SCREENSHOTS / "registrar-login.png")
        page.get_by_role("button", name="Sign in with EDS").click()  # the auth key, via NCALayer
        page.wait_for_url(f"{base}/registrar/cases/{case.id}")
        expect(page.get_by_role("heading", name=f"Case {case.id}")).to_be_visible()

        page.get_by_role("button", name="Run the checks").click()
        expect(page.locator(".check.failed")).to_have_count(0)
        expect(page.locator(".check.passed").first).to_be_visible()
        page.screenshot(path=SCREENSHOTS / "registrar-case-checked.png", full_page=True)

        page.get_by_role("button", name="Prepare the registration").click()
        expect(page.get_by_role("heading", name="Sign the decision: Register")).to_be_visible()
        page.screenshot(path=SCREENSHOTS / "registrar-sign-decision.png")
        page.get_by_role("button", name="Sign with EDS and take the decision").click()  # the signing key
        page.wait_for_url(f"{base}/registrar/cases/{case.id}", timeout=30_000)
        expect(page.locator("p.state strong")).to_have_text("Registered")
        page.screenshot(path=SCREENSHOTS / "registrar-registered.png")

    done = world.rg.get_case(case.id)
    assert done.state == "registered"
    assert done.decision is not None
    assert done.decision.registrar_iin == registrar.iin
