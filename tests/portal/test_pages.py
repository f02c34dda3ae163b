"""The portal's pages over real HTTP, as a browser uses them: kk / ru / en, EDS login through the
login page, the officer's list upload with its per-row report, and one application from the
cabinet to the signed lease and the public verification page. Where a page signs through
NCALayer, the test does what its script does: fetch the bytes from the API, sign them, post the
CMS to the API with the page's session cookie."""

from __future__ import annotations

import base64
import html
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_dir

from common.service_keys import development_key
from portal.config import get_settings
from portal.i18n import translations
from portal.service import applications
from registry_gateway.client import RegistryGatewayClient
from tests.portal.conftest import Stack, new_iin
from tests.portal.support import Person, sign_with

PDF = b"%PDF-1.4\n% a certificate\n%%EOF\n"
TEMPLATES = Path(__file__).parents[2] / "portal" / "templates"


def _browser(person: Person) -> httpx.Client:
    return httpx.Client(base_url=str(person.http.base_url), timeout=60)


def _login(browser: httpx.Client, person: Person, *, key: str = "auth") -> httpx.Response:
    """The login page's button: sign the challenge with the authentication key, post the form."""
    page = browser.get("/login")
    challenge_id = re.search(r'name="challenge_id" value="([^"]+)"', page.text)
    content = re.search(r'class="eds-login" data-content="([^"]+)"', page.text)
    assert challenge_id, page.text
    assert content, page.text
    store = person.keys.auth if key == "auth" else person.keys.sign
    cms = sign_with(store, base64.b64decode(content.group(1)))
    return browser.post("/login", data={"challenge_id": challenge_id.group(1), "cms": cms})


def _sign_button(browser: httpx.Client, page: str, person: Person, *, index: int = 0) -> httpx.Response:
    """An `eds-sign` button: GET data-document, sign the bytes, POST {cms} to data-post."""
    buttons = re.findall(r'class="eds-sign" data-document="([^"]+)" data-post="([^"]+)"', page)
    assert buttons, "no signing button on the page"
    document, post = buttons[index]
    content = browser.get(html.unescape(document))
    assert content.status_code == 200, content.text
    return browser.post(html.unescape(post), json={"cms": person.sign(content.content)})


def _ok(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text[:3000]
    return response.text


def test_every_page_string_is_translated_into_kazakh_and_russian():
    found = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(TEMPLATES),
            method_map=[("**.html", "jinja2")],
            options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        )
    }
    assert len(found) > 300
    for lang in ("kk", "ru"):
        missing = sorted(m for m in found if translations(lang).gettext(m) == m)
        assert not missing, (lang, missing)


def test_pages_speak_kk_ru_en_and_need_an_eds_session(portal_only: Stack):
    officer = portal_only.officer()
    with _browser(officer) as browser:
        home = _ok(browser.get("/"))
        assert '<html lang="kk">' in home
        assert "Сатып алу құқығымен жалға берілетін тұрғын үй" in home
        assert "Жильё в аренду с выкупом" in _ok(browser.get("/", params={"lang": "ru"}))
        assert '<html lang="ru">' in _ok(browser.get("/verify"))  # the choice is remembered
        assert "Verify a signed document" in _ok(browser.get("/verify", params={"lang": "en"}))

        away = browser.get("/cabinet")
        assert away.status_code == 303
        assert away.headers["location"] == "/login?next=%2Fcabinet"

        # the NCALayer address: rto signer's in development (remembered), never a remote host
        assert 'data-ncalayer-url="wss://127.0.0.1:13579"' in browser.get("/login").text
        pointed = browser.get("/login", params={"ncalayer": "ws://127.0.0.1:45678"})
        assert 'data-ncalayer-url="ws://127.0.0.1:45678"' in pointed.text
        assert 'data-ncalayer-url="ws://127.0.0.1:45678"' in browser.get("/").text
        browser.cookies.clear()
        remote = browser.get("/login", params={"ncalayer": "wss://ncalayer.example.com:13579"})
        assert 'data-ncalayer-url="wss://127.0.0.1:13579"' in remote.text

        wrong_key = _login(browser, officer, key="sign")
        assert wrong_key.status_code == 422
        assert "auth.sign_key_used" in wrong_key.text
        assert browser.get("/officer").status_code == 303

        logged_in = _login(browser, officer)
        assert logged_in.status_code == 303
        assert logged_in.headers["location"] == "/officer"
        assert "Load an akimat list" in _ok(browser.get("/officer", params={"lang": "en"}))
        # the page's session is the API's session: the page scripts call the API with it
        assert browser.get("/v1/me").json()["roles"] == ["officer"]
        _ok(browser.post("/logout"), 303)
        assert browser.get("/officer").status_code == 303


def test_officer_loads_a_list_and_the_invited_person_sees_the_deadline(portal_only: Stack):
    officer = portal_only.officer()
    invited = portal_only.person(new_iin(), "Асанова", "Дана")
    stranger = portal_only.person(new_iin(), "Бекова", "Сара")
    with _browser(officer) as browser:
        _login(browser, officer)
        csv = f"iin,category,phone\n{invited.iin},budget_employee,+77011234503\n123,teacher,555\n"
        loaded = browser.post(
            "/officer/lists",
            data={"akimat": "Astana", "received_on": ""},
            files={"file": ("list.csv", csv.encode(), "text/csv")},
        )
        assert loaded.status_code == 303, loaded.text
        report = _ok(browser.get(loaded.headers["location"], params={"lang": "en"}))
        assert re.search(r"Loaded and invited by SMS</dt><dd>1</dd>", report)
        for code in ("iin.format", "list.category", "list.phone"):
            assert f"<code>{code}</code>" in report
        missing = browser.post("/officer/lists", data={"akimat": "Astana"})
        assert missing.status_code == 422
        assert "list.file_required" in missing.text

    with _browser(invited) as browser:
        assert _login(browser, invited).headers["location"] == "/cabinet"
        cabinet = _ok(browser.get("/cabinet", params={"lang": "en"}))
        assert "Your invitation" in cabinet
        assert re.search(r"days left: 1[45]", cabinet)
        assert "Invitation to apply" in cabinet  # the SMS, also in the cabinet
        assert "Unread" in cabinet
        notice = browser.get("/v1/me").json()["notices"][0]
        _ok(browser.post(f"/v1/me/notices/{notice['id']}/read"))  # the page's "Confirm receipt"
        assert "Read on" in browser.get("/cabinet").text

    with _browser(stranger) as browser:
        _login(browser, stranger)
        assert "You are not on an akimat list" in _ok(browser.get("/cabinet", params={"lang": "en"}))


@pytest.fixture
def gateway(stack: Stack):
    with RegistryGatewayClient(stack.urls["registry_gateway"], caller_key=development_key("pilot")) as client:
        yield client


def test_an_application_through_the_pages_to_a_verified_lease(stack: Stack, gateway: RegistryGatewayClient):
    settings = get_settings()
    officer, head = stack.officer().login(), stack.head()
    flat = gateway.scenario_property(owner_bin=settings.housing_company_bin)
    officer.post("/v1/flats", {"cadastral_number": flat.cadastral_number, "price": "15000000.00"})
    record = gateway.scenario_person(sex="F", birth_date="1995-11-20", phone="+77011234503")
    applicant = stack.person(record.iin, record.name_ru.surname, record.name_ru.given_name)
    g_record = gateway.scenario_person(sex="M", birth_date="1984-04-22", monthly_payments="64000.00")
    guarantor = stack.person(g_record.iin, g_record.name_ru.surname, g_record.name_ru.given_name)
    officer.load_list([(applicant.iin, "+77011234503")])

    a, g, h, o = (httpx.Client(base_url=stack.urls["portal"], timeout=60) for _ in range(4))
    with a, g, h, o:
        _login(a, applicant)
        _login(g, guarantor)
        _login(h, head)
        _login(o, officer)
        a.get("/", params={"lang": "en"})

        # apply from the cabinet: a flat on offer and the term
        cabinet = _ok(a.get("/cabinet"))
        assert flat.cadastral_number in cabinet
        applied = a.post(
            "/cabinet/apply", data={"cadastral_number": flat.cadastral_number, "term_months": "120"}
        )
        assert applied.status_code == 303, applied.text
        app_url = applied.headers["location"]
        app_id = app_url.rsplit("/", 1)[1]

        # consent first: the artefact is shown in full, then signed through NCALayer
        page = _ok(a.get(app_url))
        assert "Awaiting your signature" in page
        assert "rent_to_own.application" in page  # the exact JSON being signed
        _ok(_sign_button(a, page, applicant))
        page = _ok(a.get(app_url))
        assert record.address in page  # filled in from the state systems, not asked
        assert "Still missing:" in page

        _ok(
            a.post(
                f"{app_url}/form",
                data={
                    "employer": "School 12",
                    "position": "Teacher",
                    "service_months": "60",
                    "monthly_income": "250 000",
                },
            ),
            303,
        )
        bad = a.post(f"{app_url}/form", data={"employer": "School 12", "monthly_income": "-5"})
        assert bad.status_code == 422
        assert "monthly_income" in bad.text
        for doc_type in ("employment_certificate", "salary_certificate", "no_marriage_statement"):
            _ok(
                a.post(
                    f"{app_url}/uploads",
                    data={"doc_type": doc_type},
                    files={"file": (f"{doc_type}.pdf", PDF, "application/pdf")},
                ),
                303,
            )
        wrong_type = a.post(
            f"{app_url}/uploads",
            data={"doc_type": "other"},
            files={"file": ("x.exe", b"MZ", "application/x-msdownload")},
        )
        assert wrong_type.status_code == 415
        assert "upload.media_type" in wrong_type.text

        # every figure of the solvency is on the page; 250,000 is not enough on its own
        page = _ok(a.get(app_url))
        assert "Not sufficient on its own: a guarantor is needed." in page
        assert "The payments would take more than half of the income." in page
        assert "Share of income going to payments (at most 0.5)" in page
        refused = a.post(f"{app_url}/finalise")
        assert refused.status_code == 422
        assert "solvency.guarantor_required" in refused.text
        _ok(a.post(f"{app_url}/guarantors", data={"kind": "individual", "identifier": guarantor.iin}), 303)

        # the guarantor: consent, income, then the signature once the applicant finalises
        cabinet = _ok(g.get("/cabinet", params={"lang": "en"}))
        guarantee_url = re.search(r'href="(/guarantees/[0-9a-f]+)"', cabinet).group(1)
        page = _ok(g.get(guarantee_url))
        _ok(_sign_button(g, page, guarantor))
        page = _ok(g.get(guarantee_url))
        assert "No obstacle found" in page
        _ok(g.post(f"{guarantee_url}/income", data={"monthly_income": "600000"}), 303)
        assert "You sign once the applicant has finalised the application." in g.get(guarantee_url).text

        page = _ok(a.get(app_url))
        assert "Sufficient." in page
        _ok(a.post(f"{app_url}/finalise"), 303)
        page = _ok(a.get(app_url))
        assert "Waiting for the guarantors' signatures:</strong> 1" in html.unescape(page)
        _ok(_sign_button(g, g.get(guarantee_url).text, guarantor))
        _ok(_sign_button(a, a.get(app_url).text, applicant))
        page = _ok(a.get(app_url))
        assert "Submitted: under review" in page
        assert "The housing company decides by" in page

        # the officer: the deadline on the list, the checks, the decision
        listing = _ok(o.get("/officer", params={"lang": "en"}))
        assert f'href="/officer/applications/{app_id}"' in listing
        assert "On time" in listing
        review_url = f"/officer/applications/{app_id}"
        _ok(o.post(f"{review_url}/checks"), 303)
        review = _ok(o.get(review_url))
        assert review.count('<span class="verdict">passed</span>') == 5
        missing_reasons = o.post(f"{review_url}/decision", data={"outcome": "refuse"})
        assert missing_reasons.status_code == 422
        _ok(o.post(f"{review_url}/decision", data={"outcome": "approve"}), 303)

        # the applicant sees the schedules and signs the lease first
        page = _ok(a.get(app_url))
        assert "Approved: the lease awaits signatures" in page
        assert "Property tax (estimate)" in page
        assert page.count("<tr><td>") >= 120
        lease_url = re.search(r'href="(/leases/[0-9a-f]+)"', page).group(1)
        assert "eds-sign" not in _ok(g.get(lease_url))  # not the guarantor's turn yet
        lease_page = _ok(a.get(lease_url))
        assert "next to sign" in lease_page
        _ok(_sign_button(a, lease_page, applicant))
        _ok(_sign_button(g, _ok(g.get(lease_url)), guarantor))
        head_queue = _ok(h.get("/officer", params={"lang": "en"}))
        assert f'href="{lease_url}"' in head_queue
        _ok(_sign_button(h, _ok(h.get(lease_url)), head))
        lease_page = _ok(a.get(lease_url))
        assert "Signed by every party on" in lease_page

        # the public verification page: the document and its CMS, then the QR code's link
        lease_id = lease_url.rsplit("/", 1)[1]
        content = a.get(f"/v1/leases/{lease_id}/document").content
        cms = a.get(f"/v1/leases/{lease_id}/cms").content
        with httpx.Client(base_url=stack.urls["portal"], timeout=60) as public:
            report = _ok(
                public.post(
                    "/verify",
                    params={"lang": "en"},
                    files={"document": ("lease.json", content), "cms": ("lease.p7s", cms)},
                )
            )
            assert "all valid" in report
            assert report.count('<strong class="ok">valid</strong>') == 3
            tampered = _ok(
                public.post(
                    "/verify", files={"document": ("lease.json", content + b" "), "cms": ("lease.p7s", cms)}
                )
            )
            assert "not all valid" in tampered
            deadline = time.monotonic() + 30
            while (view := a.get(f"/v1/leases/{lease_id}").json())["chain_index"] is None:
                assert time.monotonic() < deadline
                time.sleep(0.2)
            qr = _ok(public.get("/verify", params={"sha256": view["sha256"], "index": view["chain_index"]}))
            assert "signed lease" in qr
            assert "matches" in qr
            wrong_index = _ok(public.get("/verify", params={"sha256": view["sha256"], "index": 999}))
            assert "the index in the QR code does not match" in wrong_index
            odd = public.get("/verify", params={"sha256": view["sha256"], "index": "²"})
            assert odd.status_code == 422
            assert "verify.bad_query" in odd.text


def _submitted_application(
    stack: Stack, gateway: RegistryGatewayClient, *, submit: bool = True
) -> tuple[Person, Person, Person, str]:
    """An application submitted (or only finalised) over the API, income enough on its own:
    (applicant, officer, head, id)."""
    officer, head = stack.officer().login(), stack.head()
    flat = gateway.scenario_property(owner_bin=get_settings().housing_company_bin)
    officer.post("/v1/flats", {"cadastral_number": flat.cadastral_number, "price": "15000000.00"})
    record = gateway.scenario_person(sex="F", birth_date="1995-11-20")
    applicant = stack.person(record.iin, record.name_ru.surname, record.name_ru.given_name)
    officer.load_list([(applicant.iin, "+77011234503")])
    # submitted over the API: income enough on its own, no guarantor
    applicant.login()
    app_id = applicant.post(
        "/v1/applications", {"cadastral_number": flat.cadastral_number, "term_months": 240}
    )
    base = f"/v1/applications/{app_id.json()['id']}"
    artefact = applicant.get(f"{base}/consent/artefact").content
    applicant.post(f"{base}/consent", {"cms": applicant.sign(artefact)})
    applicant.put(
        f"{base}/form",
        {"employer": "School 12", "position": "Teacher", "service_months": 60, "monthly_income": "900000"},
    )
    for doc_type in ("employment_certificate", "salary_certificate", "no_marriage_statement"):
        applicant.http.post(
            f"{base}/uploads", data={"doc_type": doc_type}, files={"file": ("c.pdf", PDF, "application/pdf")}
        )
    _ok(applicant.post(f"{base}/finalise"))
    if submit:
        document = applicant.get(f"{base}/document").content
        _ok(applicant.post(f"{base}/submit", {"cms": applicant.sign(document)}))
    app_id = base.rsplit("/", 1)[1]
    return applicant, officer, head, app_id


def test_a_refusal_through_the_pages_heard_then_signed_by_the_head(
    stack: Stack, gateway: RegistryGatewayClient
):
    applicant, officer, head, app_id = _submitted_application(stack, gateway)

    a, h, o = (
        httpx.Client(base_url=stack.urls["portal"], timeout=60, params={"lang": "en"}) for _ in range(3)
    )
    with a, h, o:
        _login(a, applicant)
        _login(h, head)
        _login(o, officer)
        review_url = f"/officer/applications/{app_id}"
        _ok(o.post(f"{review_url}/checks"), 303)
        _ok(
            o.post(f"{review_url}/decision", data={"outcome": "refuse", "reasons": "income not confirmed"}),
            303,
        )

        # the applicant is told, with the reasons and the hearing's end, and answers
        page = _ok(a.get(f"/applications/{app_id}"))
        assert "Preliminary refusal: you may respond" in page
        assert "income not confirmed" in page
        assert "You may answer until" in page
        assert "Preliminary refusal" in _ok(a.get("/cabinet"))  # the notice
        _ok(a.post(f"/applications/{app_id}/objection", data={"text": "the certificate is attached"}), 303)
        assert "the certificate is attached" in _ok(a.get(f"/applications/{app_id}"))

        # the officer sees the answer; only the head signs the final refusal
        review = _ok(o.get(review_url))
        assert "the certificate is attached" in review
        assert "The hearing is over: the head signs the final refusal." in review
        assert "eds-sign" not in review
        assert f'href="{review_url}#refusal"' in _ok(h.get("/officer"))
        _ok(_sign_button(h, _ok(h.get(review_url)), head))
        assert "Refused" in _ok(h.get(review_url))
        page = _ok(a.get(f"/applications/{app_id}"))
        assert '<h2 id="status-h">Status: Refused</h2>' in page
        # the flat is on offer again for the next applicant
        flat = applicant.get(f"/v1/applications/{app_id}").json()["flat"]["cadastral_number"]
        offer = {f["cadastral_number"]: f["available"] for f in officer.get("/v1/flats").json()}
        assert offer[flat] is True
        assert "Final refusal" in _ok(a.get("/cabinet"))


def test_a_second_refusal_after_reconsidering_gets_its_own_hearing(
    stack: Stack, gateway: RegistryGatewayClient
) -> None:
    """The objection convinced the officer, who reviewed again and still refused: the applicant may
    answer the new reasons, and the head signs a refusal that carries them, not the first one."""
    applicant, officer, head, app_id = _submitted_application(stack, gateway)
    head.login()
    base = f"/v1/applications/{app_id}"
    _ok(officer.post(f"{base}/checks"))
    _ok(officer.post(f"{base}/decision", {"approve": False, "reasons": "income not confirmed"}))
    _ok(applicant.post(f"{base}/objection", {"text": "the certificate is attached"}))
    first = head.get(f"{base}/refusal/document")
    assert first.status_code == 200
    assert b"income not confirmed" in first.content
    _ok(officer.post(f"{base}/reconsider"))
    _ok(officer.post(f"{base}/checks"))
    _ok(officer.post(f"{base}/decision", {"approve": False, "reasons": "the certificate is unsigned"}))

    early = head.get(f"{base}/refusal/document")
    assert (early.status_code, early.json()["code"]) == (409, "refusal.hearing_open")
    _ok(applicant.post(f"{base}/objection", {"text": "a signed copy is attached"}))
    second = head.get(f"{base}/refusal/document").content
    assert b"the certificate is unsigned" in second
    assert b"income not confirmed" not in second


def test_an_application_is_submitted_within_the_invitations_window(
    stack: Stack, gateway: RegistryGatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§7: 15 calendar days to submit; a draft begun in time is not submitted months later."""
    applicant, _officer, _head, app_id = _submitted_application(stack, gateway, submit=False)
    base = f"/v1/applications/{app_id}"
    document = applicant.get(f"{base}/document").content
    late = datetime.now(UTC) + timedelta(days=get_settings().apply_within_days + 2)
    monkeypatch.setattr(applications, "now", lambda: late)
    refused = applicant.post(f"{base}/submit", {"cms": applicant.sign(document)})
    assert (refused.status_code, refused.json()["code"]) == (410, "invitation.expired")
    assert applicant.get(base).json()["status"] == "draft"  # finalised, never submitted
