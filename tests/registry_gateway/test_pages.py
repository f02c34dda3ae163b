"""The registrar's pages over real HTTP: EDS login with the authentication key, the queue with its
deadlines in kk / ru / en, a case with every check, its evidence and the signature reports, and
a registration decided from the page — drafted, signed with the registrar's EDS, taken."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from common.db import session_scope
from common.eds import dump_p12, sign_detached
from registry_gateway.db import get_engine
from registry_gateway.models import Case
from registry_gateway.schemas import CaseView
from tests.registry_gateway.conftest import PASSWORD, Signer, World, person_signer


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no field {name}"
    return match.group(1)


def _login(client: httpx.Client, who: Signer, *, key: str = "auth") -> httpx.Response:
    """What the login page's script does through NCALayer: sign the challenge, post the CMS."""
    page = client.get("/registrar/login")
    challenge = re.search(r'data-content="([^"]+)"', page.text)
    assert challenge
    store = who.keys.auth if key == "auth" else who.keys.sign
    cms = sign_detached(base64.b64decode(challenge.group(1)), dump_p12(store, PASSWORD, who.iin), PASSWORD)
    form = {
        "token": _field(page.text, "token"),
        "cms_b64": base64.b64encode(cms).decode(),
        "next": "/registrar",
    }
    return client.post("/registrar/login", data=form)


def _paid_case(world: World, company: Signer, ref: str) -> CaseView:
    applicant = person_signer("applicant_single")
    flat = world.rg.seed()["properties"]["flat_free_1"]
    case = world.submit("encumbrance.lease", flat, applicant.iin, company, ref)
    world.sign_all(case.id, applicant, company)
    world.rg.pay_fee(case.id, Decimal("2162.50"))
    return world.rg.get_case(case.id)


def _sign_decision(
    client: httpx.Client, case_id: str, action: str, signer: Signer, **form: str
) -> httpx.Response:
    """The decision buttons: the server's draft, signed (as NCALayer would), posted."""
    draft = client.post(f"/registrar/cases/{case_id}/decisions/{action}/draft", data=form)
    assert draft.status_code == 200, draft.text
    document_b64 = _field(draft.text, "document_b64")
    cms = base64.b64encode(signer.sign(base64.b64decode(document_b64))).decode()
    return client.post(
        f"/registrar/cases/{case_id}/decisions/{action}", data={"document_b64": document_b64, "cms_b64": cms}
    )


def _move_deadline(case_id: str, deadline: datetime) -> None:
    # The term is a working day: move it rather than wait for it to pass.
    with session_scope(get_engine()) as session:
        case = session.get(Case, case_id)
        assert case is not None
        case.deadline = deadline
        session.add(case)


def test_a_visitor_without_a_registrars_eds_session_gets_nothing(world: World, registrar: Signer) -> None:
    with httpx.Client(base_url=world.rg.base_url) as client:
        page = client.get("/registrar/cases/some-case")
        assert page.status_code == 303
        assert page.headers["location"] == "/registrar/login?next=%2Fregistrar%2Fcases%2Fsome-case"
        action = client.post("/registrar/cases/some-case/checks")
        assert action.status_code == 303
        assert action.headers["location"].startswith("/registrar/login")

        applicant = _login(client, person_signer("applicant_single"))
        assert applicant.status_code == 403
        assert "registrar.not_a_registrar" in applicant.text
        assert "rg_registrar" not in client.cookies
        assert client.get("/registrar").status_code == 303

        signing_key = _login(client, registrar, key="sign")
        assert signing_key.status_code == 401
        assert "registrar.login_failed.auth.sign_key_used" in signing_key.text
        assert client.get("/registrar").status_code == 303
        assert client.get("/registrar/static/vendor/ncalayer-js-client/ncalayer-client.js").status_code == 200


def test_the_queue_shows_the_deadline_in_kk_ru_en_and_highlights_it(
    world: World, company: Signer, registrar: Signer
) -> None:
    case = _paid_case(world, company, "Q-1")
    assert case.deadline is not None
    with httpx.Client(base_url=world.rg.base_url) as client:
        logged_in = _login(client, registrar)
        assert logged_in.status_code == 303
        assert logged_in.headers["location"] == "/registrar"

        expected = {
            "kk": ("Тіркеу кезегі", "Бейнетексеруді күтуде"),
            "en": ("Registration queue", "Awaiting video check"),
            "ru": ("Очередь регистрации", "Ожидает видеопроверки"),
        }
        default = client.get("/registrar")
        assert '<html lang="kk">' in default.text
        for lang, (heading, state) in expected.items():
            page = client.get("/registrar", params={"lang": lang})
            assert page.status_code == 200
            assert f'<html lang="{lang}">' in page.text
            assert heading in page.text
            assert state in page.text
            assert f'href="/registrar/cases/{case.id}"' in page.text
            shown = re.findall(r'<time datetime="([^"]+)"', page.text)
            assert [datetime.fromisoformat(t) for t in shown] == [case.deadline]
        assert '<html lang="ru">' in client.get("/registrar").text  # the choice is remembered

        _move_deadline(case.id, datetime.now(UTC) + timedelta(hours=2))
        soon = client.get("/registrar")
        assert 'class="due-soon"' in soon.text
        assert "Срок истекает" in soon.text
        _move_deadline(case.id, datetime.now(UTC) - timedelta(minutes=5))
        late = client.get("/registrar", params={"lang": "en"})
        assert 'class="overdue"' in late.text
        assert "Overdue" in late.text


def test_a_registrar_checks_and_registers_a_case_from_the_pages(
    world: World, company: Signer, registrar: Signer
) -> None:
    case = _paid_case(world, company, "P-1")
    world.hold_video(case.id)
    applicant = person_signer("applicant_single")
    with httpx.Client(base_url=world.rg.base_url, params={"lang": "en"}) as client:
        assert _login(client, registrar).status_code == 303
        checked = client.post(f"/registrar/cases/{case.id}/checks", follow_redirects=True)
        assert checked.status_code == 200
        page = checked.text
        for label in (
            "State fee paid",
            "Every EDS valid and the party's own",
            "Spouse present at the video check",
            "No encumbrance prevents registration",
            "Nobody on the terrorism financing list",
            "Positive video check",
            "Property exists in the cadastre",
        ):
            assert f'{label}: <span class="verdict">passed</span>' in page
        receipt_id = world.rg.get_case(case.id).fee.receipt_id
        assert f"<dt>receipt_id</dt><dd>{receipt_id}</dd>" in page  # the fee check's evidence
        assert "<dt>live_encumbrances</dt>" in page
        # The signature report of the application: who signed, the indication and revocation.
        assert f"<td>{applicant.iin}</td>" in page
        assert "<code>TOTAL_PASSED</code>" in page
        assert "good (OCSP)" in page or "good (CRL)" in page
        assert "the party's own EDS" in page
        assert f"registrar:{registrar.iin}" in page  # the history names who ran the checks

        # Suspend on an art. 27 ground with the documents requested and a term, then resume.
        suspended = _sign_decision(
            client,
            case.id,
            "suspend",
            registrar,
            ground_code="Z070000310.art27.p1.sp3",
            documents_requested="Marriage certificate\nSpouse's consent",
            term_days="10",
        )
        assert suspended.status_code == 303
        shown = client.get(suspended.headers["location"]).text
        assert "<strong>Suspended</strong>" in shown
        assert "the applicant must submit documents required by art. 21" in shown
        assert "<li>Spouse&#39;s consent</li>" in shown
        resumed = client.post(
            f"/registrar/cases/{case.id}/resume",
            data={"reason": "certificate supplied"},
            follow_redirects=True,
        )
        assert "<strong>Checking</strong>" in resumed.text

        # A CMS by someone else than the logged-in registrar is not taken.
        foreign = _sign_decision(client, case.id, "register", applicant)
        assert foreign.status_code == 403
        assert "registrar.not_own_signature" in foreign.text
        assert world.rg.get_case(case.id).state == "checking"

        taken = _sign_decision(client, case.id, "register", registrar)
        assert taken.status_code == 303
        assert taken.headers["location"] == f"/registrar/cases/{case.id}"
        assert "<strong>Registered</strong>" in client.get(taken.headers["location"]).text

    done = world.rg.get_case(case.id)
    assert done.state == "registered"
    assert done.decision is not None
    assert done.decision.registrar_iin == registrar.iin
