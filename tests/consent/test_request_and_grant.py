"""Requesting a consent (the appendix form as a canonical artefact) and granting it with EDS."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import pytest
import rfc8785

from common.http_client import ServiceError
from common.ids import parse_bin
from consent.client import ConsentClient
from consent.config import get_settings
from consent.domain.notice import notice_text
from consent.schemas import CATEGORIES
from tests.consent.support import StandIn, Subject, ask, recent, wait_until


def test_request_creates_a_pending_artefact_of_the_appendix_form(
    portal: ConsentClient, subject: Subject
) -> None:
    view = ask(portal, subject.iin, case_ref="app-77")

    assert view.status == "PENDING"
    assert view.subject_iin == subject.iin[:6] + "******"
    assert recent(view.created_at)
    artefact = view.artefact
    assert artefact["subject"] == {"iin": subject.iin, "name": "ТЕСТОВ ТЕСТ"}
    assert artefact["purpose"]["code"] == "rent_to_own.application"
    assert artefact["categories"] == list(CATEGORIES)
    assert artefact["validity"]["case_ref"] == "app-77"
    assert artefact["flags"] == {
        "third_party_transfer": True,
        "cross_border_transfer": False,
        "publication": False,
    }
    for party in (artefact["controller"], artefact["operator"], *artefact["recipients"]):
        parse_bin(party["bin"])  # valid check digits
    parties = get_settings().parties
    for lang in ("kk", "ru", "en"):
        text = notice_text(lang, parties)
        assert artefact["notice"]["sha256"][lang] == hashlib.sha256(text.encode()).hexdigest()
        assert parties.controller.bin in text


def test_the_bytes_to_sign_are_the_rfc8785_form_of_the_artefact(
    portal: ConsentClient, subject: Subject
) -> None:
    view = ask(portal, subject.iin)
    signed_bytes = portal.artefact_bytes(view.id)

    assert signed_bytes == rfc8785.dumps(view.artefact)
    assert hashlib.sha256(signed_bytes).hexdigest() == view.artefact_sha256


def test_asking_twice_for_the_same_case_returns_the_open_consent(
    portal: ConsentClient, subject: Subject
) -> None:
    first = ask(portal, subject.iin, case_ref="app-dup")
    again = ask(portal, subject.iin, case_ref="app-dup")
    other_case = ask(portal, subject.iin, case_ref="app-other")

    assert again.id == first.id
    assert other_case.id != first.id


def test_bad_requests_are_refused_with_stable_codes(portal: ConsentClient, subject: Subject) -> None:
    with pytest.raises(ServiceError) as bad_iin:
        ask(portal, "900101300001")
    with pytest.raises(ServiceError) as bad_category:
        ask(portal, subject.iin, categories=["iin", "blood_type"])
    with pytest.raises(ServiceError) as impostor:
        ask(portal, subject.iin, requester="registry_gateway")

    assert (bad_iin.value.status, bad_iin.value.code) == (422, "consent.invalid_iin")
    assert (bad_category.value.status, bad_category.value.code) == (422, "consent.unknown_category")
    assert (impostor.value.status, impostor.value.code) == (403, "consent.requester_mismatch")


def test_the_subjects_eds_grants_the_consent(
    portal: ConsentClient, subject: Subject, stand_in: StandIn
) -> None:
    view = ask(portal, subject.iin)
    cms = subject.sign(portal.artefact_bytes(view.id))

    granted = portal.grant_with_cms(view.id, cms)

    assert granted.status == "ACTIVE"
    assert granted.in_force
    assert granted.grant_channel == "eds"
    assert granted.granted_at is not None
    assert recent(granted.granted_at)
    last = granted.transitions[-1]
    assert (last.from_status, last.to_status, last.actor, last.channel) == (
        "PENDING",
        "ACTIVE",
        "subject",
        "eds",
    )
    # the requester hears of it through its callback, with an idempotency key and a service token
    callback = wait_until(lambda: stand_in.callbacks_for(view.id))[0]
    assert callback["body"]["status"] == "ACTIVE"
    assert callback["body"]["subject_iin_masked"] == subject.iin[:6] + "******"
    assert callback["headers"]["idempotency-key"]
    assert callback["headers"]["authorization"].startswith("Bearer ")


def test_someone_elses_signature_is_refused(
    portal: ConsentClient, subject: Subject, make_subject: Callable[[], Subject]
) -> None:
    view = ask(portal, subject.iin)
    stranger = make_subject()

    with pytest.raises(ServiceError) as refused:
        portal.grant_with_cms(view.id, stranger.sign(portal.artefact_bytes(view.id)))

    assert (refused.value.status, refused.value.code) == (422, "consent.signer_mismatch")
    assert portal.get(view.id).status == "PENDING"


def test_a_signature_over_other_bytes_or_with_the_login_key_is_refused(
    portal: ConsentClient, subject: Subject
) -> None:
    view = ask(portal, subject.iin)
    artefact = portal.artefact_bytes(view.id)
    tampered = json.dumps({**json.loads(artefact), "categories": ["iin"]}).encode()

    with pytest.raises(ServiceError) as other_bytes:
        portal.grant_with_cms(view.id, subject.sign(tampered))
    with pytest.raises(ServiceError) as auth_key:
        portal.grant_with_cms(view.id, subject.sign(artefact, auth_key=True))
    with pytest.raises(ServiceError) as garbage:
        portal.grant_with_cms(view.id, b"not a CMS")

    assert (other_bytes.value.status, other_bytes.value.code) == (422, "consent.signature_invalid")
    assert (auth_key.value.status, auth_key.value.code) == (422, "consent.wrong_key")
    assert (garbage.value.status, garbage.value.code) == (422, "consent.signature_invalid")
    assert portal.get(view.id).status == "PENDING"
