"""The subject's pages: opened by a signed link, in Kazakh, Russian and English."""

from __future__ import annotations

import re

import httpx
import pytest

from consent.client import ConsentClient
from tests.consent.support import StandIn, ask, grant_by_otp, make_iin, wait_until

HEADINGS = {
    "kk": ("Келісім мәтіні", "Деректерімді кім пайдаланды", "Жиналатын деректер", "ЖСН"),
    "ru": ("Текст согласия", "Кто использовал мои данные", "Собираемые данные", "ИИН"),
    "en": ("Text of the consent", "Who used my data", "Data collected", "IIN"),
}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_consent_page_speaks_the_subjects_language(
    lang: str, portal: ConsentClient, stand_in: StandIn, subject_iin: str
) -> None:
    view = grant_by_otp(portal, stand_in, ask(portal, subject_iin).id)
    portal.record_use(view.id, "portal", "rent_to_own.application", ["iin"], "civil registry query")
    link = portal.subject_link(view.id)

    page = httpx.get(f"{link.url}&lang={lang}")

    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    for text in HEADINGS[lang]:
        assert text in page.text
    assert "civil registry query" in page.text  # who used the data, and why
    assert subject_iin not in page.text
    assert subject_iin[:6] + "******" in page.text
    listing = httpx.get(f"{portal.base_url}/subject/consents", params={"t": link.token, "lang": lang})
    assert listing.status_code == 200
    assert f"/subject/consents/{view.id}" in listing.text


def test_a_forged_or_foreign_link_opens_nothing(portal: ConsentClient, subject_iin: str) -> None:
    mine = ask(portal, subject_iin)
    theirs = ask(portal, make_iin(birth="850101", century_sex="4"))
    token = portal.subject_link(mine.id).token
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    assert httpx.get(f"{portal.base_url}/subject/consents/{mine.id}", params={"t": forged}).status_code == 403
    # "²" passes str.isdigit but not int(): still a refused link, not a server error
    superscript = token.split(".")[0] + ".²." + token.split(".")[2]
    answer = httpx.get(f"{portal.base_url}/subject/consents/{mine.id}", params={"t": superscript})
    assert answer.status_code == 403
    assert (
        httpx.get(f"{portal.base_url}/subject/consents/{theirs.id}", params={"t": token}).status_code == 403
    )


def test_the_subject_grants_by_code_on_the_page(
    portal: ConsentClient, stand_in: StandIn, subject_iin: str
) -> None:
    view = ask(portal, subject_iin)
    link = portal.subject_link(view.id)
    base = f"{portal.base_url}/subject/consents/{view.id}"
    with httpx.Client(follow_redirects=True) as browser:
        pending = browser.get(f"{link.url}&lang=ru")
        assert "Отправить мне код" in pending.text
        sent = browser.post(f"{base}/otp", data={"t": link.token, "lang": "ru"})
        assert "Код отправлен на ваш телефон." in sent.text
        code = stand_in.code_for(view.id)
        wrong = browser.post(
            f"{base}/grant",
            data={"t": link.token, "lang": "ru", "code": "000000" if code != "000000" else "111111"},
        )
        assert "Неверный код." in wrong.text
        done = browser.post(f"{base}/grant", data={"t": link.token, "lang": "ru", "code": code})

    assert "Спасибо: ваше согласие дано." in done.text
    final = portal.get(view.id)
    assert (final.status, final.transitions[-1].channel) == ("ACTIVE", "page+otp")


def test_the_subject_refuses_and_withdraws_on_the_page(
    portal: ConsentClient, stand_in: StandIn, subject_iin: str
) -> None:
    refused = ask(portal, subject_iin)
    given = grant_by_otp(portal, stand_in, ask(portal, subject_iin).id)
    with httpx.Client(follow_redirects=True) as browser:
        token = portal.subject_link(refused.id).token
        browser.post(
            f"{portal.base_url}/subject/consents/{refused.id}/reject", data={"t": token, "lang": "en"}
        )
        token = portal.subject_link(given.id).token
        page = browser.post(
            f"{portal.base_url}/subject/consents/{given.id}/withdraw",
            data={"t": token, "lang": "en", "reason": "I moved abroad"},
        )

    assert "has been sent to the controller" in page.text
    assert portal.get(refused.id).status == "REJECTED"
    assert portal.get(given.id).status == "REVOCATION_REQUESTED"
    assert portal.get(given.id).transitions[-1].channel == "page"
    wait_until(
        lambda: any(c["body"]["status"] == "REVOCATION_REQUESTED" for c in stand_in.callbacks_for(given.id))
    )


def test_receipts_mask_the_iin(portal: ConsentClient, stand_in: StandIn, subject_iin: str) -> None:
    view = grant_by_otp(portal, stand_in, ask(portal, subject_iin).id)
    token = portal.subject_link(view.id).token
    base = f"{portal.base_url}/subject/consents/{view.id}"

    as_json = httpx.get(f"{base}/receipt.json", params={"t": token})
    printable = httpx.get(f"{base}/receipt", params={"t": token, "lang": "kk"})

    receipt = as_json.json()
    assert receipt["consent_id"] == view.id
    assert receipt["artefact_sha256"] == view.artefact_sha256
    assert receipt["collection_method"] == "otp"
    assert [e["status"] for e in receipt["events"]] == ["PENDING", "ACTIVE"]
    for body in (as_json.text, printable.text):
        assert subject_iin not in body
        assert subject_iin[:6] + "******" in body
    assert "Келісім түбіртегі" in printable.text
    assert re.search(r"window\.print\(\)", printable.text)
