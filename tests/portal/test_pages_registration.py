"""Stages 2–3 through the pages over real HTTP, as a browser with a session cookie uses them:
the housing company forms the lease's registration case, the applicant consents and signs
(the CMS posted to the API as the page script does), the head signs, the applicant pays the fee,
the company books the video check; the case page in kk and ru. And the payment ledger page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime

import httpx

from common.calendar import local_date
from tests.portal.stages import Stages
from tests.portal.stages import stages as stages  # the fixture
from tests.portal.support import Person
from tests.portal.test_pages import _login, _ok, _sign_button


@contextmanager
def _browsers(stages: Stages, *people: Person) -> Iterator[list[httpx.Client]]:
    """One logged-in browser (session cookie) per person."""
    with ExitStack() as stack:
        clients = [
            stack.enter_context(httpx.Client(base_url=stages.stack.urls["portal"], timeout=60))
            for _ in people
        ]
        for client, person in zip(clients, people, strict=True):
            assert _login(client, person).status_code == 303
        yield clients


def test_a_registration_case_through_the_pages_in_kk_and_ru(stages: Stages) -> None:
    deal = stages.signed_lease()
    with _browsers(stages, deal.applicant, deal.officer, deal.head) as (a, o, h):
        # the officer forms the application from the review page; its page opens
        review = _ok(o.get(f"/officer/applications/{deal.application_id}", params={"lang": "en"}))
        assert f'action="/leases/{deal.lease_id}/registration"' in review
        formed = o.post(f"/leases/{deal.lease_id}/registration")
        assert formed.status_code == 303, formed.text
        case_url = formed.headers["location"]
        case_id = case_url.rsplit("/", 1)[1]
        # only the housing company books the video: the page says why, with the code
        refused = a.post(f"{case_url}/video", data={"starts_at": ""})
        assert refused.status_code == 403
        assert "auth.forbidden" in refused.text

        # the applicant finds it in their application, in Kazakh
        page = _ok(a.get(f"/applications/{deal.application_id}", params={"lang": "kk"}))
        assert f'href="{case_url}"' in page
        assert "Жалдау ауыртпалығын тіркеу" in page

        # consent: the registration consent in full, then signed through NCALayer
        page = _ok(a.get(case_url))
        assert "Келесі қадамдар" in page
        assert "өтініш беруші тіркеуге келісім береді" in page
        assert "registration.encumbrance" in page  # the exact JSON being signed
        assert "Өтінішке келісіміңізді бергеннен кейін қол қоясыз." in page
        _ok(_sign_button(a, page, deal.applicant))
        page = _ok(a.get(case_url))
        assert "Келісімге ЭЦҚ-мен қол қою" not in page  # consent given: no second consent button
        assert "<strong>Берілді</strong>" in page
        _ok(_sign_button(a, page, deal.applicant))  # now the application itself
        page = _ok(a.get(case_url))
        assert "eds-sign" not in page
        assert "Алым екі тарап қол қойғаннан кейін төленеді." in page
        _ok(_sign_button(h, _ok(h.get(case_url)), deal.head))  # the head, for the company

        # the fee: the page's button, then the receipt and the state
        page = _ok(a.get(case_url))
        assert f'action="{case_url}/payment"' in page
        _ok(a.post(f"{case_url}/payment"), 303)
        _ok(o.post(f"{case_url}/video", data={"starts_at": ""}), 303)
        page = html.unescape(_ok(a.get(case_url)))
        assert '<span class="case-state">бейнетексеруді күтуде</span>' in page
        assert re.search(r"Төленді</strong>: 2\s162,50 ₸", page), page
        for label in (
            "Тіркеуге өтініш қалыптастырылды",
            "Мемлекеттік алым төленді",
            "Бейнетексеру белгіленді",
        ):
            assert label in page
        assert "Оқылмаған" in page  # no notice confirmed read yet

        # the join link: fetched by the button's script, personal to the caller
        join = re.search(r'class="video-join" data-post="([^"]+)"', page)
        assert join, page
        assert a.post(join.group(1)).json()["join_url"].startswith("http")

        # the same case in Russian, with each notice's dates; a notice confirmed read shows it
        notice = next(n for n in a.get("/v1/me").json()["notices"] if n["kind"] == "registration.fee_paid")
        _ok(a.post(f"/v1/me/notices/{notice['id']}/read"))
        page = html.unescape(_ok(a.get(case_url, params={"lang": "ru"})))
        assert "Регистрация обременения арендой" in page
        assert "Государственный сбор оплачен" in page
        assert "Видеопроверка назначена" in page
        assert "регистратор проводит видеопроверку и принимает решение" in page
        assert '<span class="case-state">ожидает видеопроверки</span>' in page
        read_cell = re.search(
            r"Государственный сбор оплачен.*?</td>\s*<td>.*?</td>\s*<td>(.*?)</td>", page, re.S
        )
        assert read_cell, page
        assert "<time datetime=" in read_cell.group(1)  # sent, then read: both dates shown
        assert "Подключиться к видеопроверке" in page
        case = a.get(f"/v1/registrations/{case_id}").json()
        assert case["state"] == "awaiting_video"
        assert case["fee"]["receipt"]["receipt_id"] in page


def test_the_ledger_page_records_a_payment_and_shows_the_figures(stages: Stages) -> None:
    deal = stages.signed_lease(price="1200000.00", term_months=12)
    today = local_date(datetime.now(UTC)).isoformat()
    ledger_url = f"/leases/{deal.lease_id}/ledger"
    with _browsers(stages, deal.applicant, deal.officer) as (a, o):
        page = _ok(o.get(ledger_url, params={"lang": "en"}))
        assert "No payments recorded yet." in page
        assert 'id="fig-remaining">1,200,000.00 ₸' in page
        recorded = o.post(
            f"{ledger_url}/payments", data={"amount": "100 000,50", "paid_on": today, "reference": "KASPI-1"}
        )
        assert recorded.status_code == 303, recorded.text
        page = _ok(o.get(ledger_url))
        assert 'id="fig-paid">100,000.50 ₸' in page
        assert 'id="fig-principal">100,000.50 ₸' in page
        assert 'id="fig-interest">0.00 ₸' in page
        assert 'id="fig-remaining">1,099,999.50 ₸' in page
        assert 'id="fig-payoff">1,099,999.50 ₸' in page
        assert "KASPI-1" in page

        # more than buys the flat out: refused, the page again with the code and the figures
        too_much = o.post(
            f"{ledger_url}/payments", data={"amount": "1099999.51", "paid_on": today, "reference": "KASPI-2"}
        )
        assert too_much.status_code == 422
        assert "payment.exceeds_price" in too_much.text
        assert 'id="fig-paid">100,000.50 ₸' in too_much.text

        # the tenant sees the same figures in Russian, without the form
        page = html.unescape(_ok(a.get(ledger_url, params={"lang": "ru"})))
        assert "Учёт платежей" in page
        assert re.search(r'id="fig-remaining">1\s099\s999,50 ₸', page), page
        assert "/ledger/payments" not in page
        forbidden = a.post(f"{ledger_url}/payments", data={"amount": "1", "paid_on": today, "reference": "X"})
        assert forbidden.status_code == 403
