"""Admission over real HTTP: who may append what, per-kind rules, signatures, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from chain.client import ChainClient, sha256_hex
from common.entries import build_body, sign_body
from common.http_client import ServiceError
from common.service_auth import mint_service_token
from common.service_keys import development_key

DOC = sha256_hex(b"lease.pdf")


def _body(kind: str, submitter: str, **ref: str) -> dict:
    return build_body(
        kind=kind,
        ref=ref or {"application_id": "app-1"},
        doc_sha256=DOC,
        media_type="application/pdf",
        evidence=[{"type": "cms", "sha256": sha256_hex(b"cms")}],
        submitter=submitter,
        submitted_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    )


def _post(url: str, caller: str, payload: dict) -> httpx.Response:
    token = mint_service_token(development_key(caller), "chain")
    return httpx.post(f"{url}/v1/entries", json=payload, headers={"Authorization": f"Bearer {token}"})


def _signed(body: dict, signer: str) -> dict:
    return {"body": body, "sig": sign_body(body, development_key(signer))}


def test_a_service_appends_its_kind_and_a_repeat_returns_the_same_index(chain_url: str) -> None:
    payload = _signed(_body("lease.signed", "portal"), "portal")
    first = _post(chain_url, "portal", payload)
    again = _post(chain_url, "portal", payload)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["index"] == 0


def test_the_client_is_idempotent_by_body(portal: ChainClient) -> None:
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    kwargs = {
        "kind": "letter.issued",
        "ref": {"letter_id": "L-7"},
        "doc_sha256": DOC,
        "media_type": "application/pdf",
    }
    first = portal.append(**kwargs, submitted_at=moment)
    other = portal.append(**{**kwargs, "ref": {"letter_id": "L-8"}}, submitted_at=moment)
    assert portal.append(**kwargs, submitted_at=moment) == first
    assert other.index == first.index + 1


@pytest.mark.parametrize(
    ("caller", "payload", "status", "code"),
    [
        ("portal", _signed(_body("consent.granted", "consent"), "consent"), 403, "chain.submitter_mismatch"),
        (
            "portal",
            _signed(_body("ownership.registered", "portal", cadastral_number="01:1"), "portal"),
            403,
            "chain.kind_not_allowed",
        ),
        ("portal", _signed(_body("lease.burned", "portal"), "portal"), 422, "chain.kind_unknown"),
        ("portal", _signed(_body("lease.signed", "portal"), "consent"), 422, "chain.key_unknown"),
        (
            "registry_gateway",
            _signed(_body("registration.submitted", "registry_gateway"), "registry_gateway"),
            422,
            "chain.ref_invalid",
        ),
        ("portal", {"body": _body("lease.signed", "portal")}, 422, "chain.body_invalid"),
    ],
    ids=[
        "wrong-submitter",
        "kind-of-another-service",
        "unknown-kind",
        "someone-elses-key",
        "no-cadastral",
        "unsigned",
    ],
)
def test_refusals_carry_stable_codes(
    chain_url: str, caller: str, payload: dict, status: int, code: str
) -> None:
    response = _post(chain_url, caller, payload)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_a_tampered_body_fails_its_signature(chain_url: str) -> None:
    payload = _signed(_body("lease.signed", "portal"), "portal")
    payload["body"]["doc"]["sha256"] = sha256_hex(b"another document")
    response = _post(chain_url, "portal", payload)
    assert (response.status_code, response.json()["code"]) == (422, "chain.signature_invalid")


def test_writes_need_a_service_token_and_reads_do_not(chain_url: str) -> None:
    payload = _signed(_body("lease.signed", "portal"), "portal")
    assert httpx.post(f"{chain_url}/v1/entries", json=payload).status_code == 401
    assert _post(chain_url, "portal", payload).status_code == 201
    assert httpx.get(f"{chain_url}/v1/entries/0").status_code == 200


def _encumbrance(registry: ChainClient, kind: str, **ref: str) -> int:
    return registry.append(kind=kind, ref=ref, doc_sha256=DOC, media_type="application/pdf").index


def test_one_live_encumbrance_per_property(registry: ChainClient) -> None:
    live = _encumbrance(registry, "encumbrance.registered", cadastral_number="20:315:040:123", case_id="c1")
    with pytest.raises(ServiceError) as second:
        _encumbrance(registry, "encumbrance.registered", cadastral_number="20:315:040:123", case_id="c2")
    assert (second.value.status, second.value.code) == (409, "chain.encumbrance_exists")
    # Another property is not affected.
    _encumbrance(registry, "encumbrance.registered", cadastral_number="20:315:040:999", case_id="c3")

    with pytest.raises(ServiceError) as wrong:
        _encumbrance(
            registry,
            "encumbrance.terminated",
            cadastral_number="20:315:040:123",
            encumbrance_index=str(live + 1),
        )
    assert (wrong.value.status, wrong.value.code) == (409, "chain.encumbrance_not_live")
    with pytest.raises(ServiceError) as unnamed:
        _encumbrance(registry, "encumbrance.terminated", cadastral_number="20:315:040:123")
    assert unnamed.value.code == "chain.ref_invalid"

    _encumbrance(
        registry, "encumbrance.terminated", cadastral_number="20:315:040:123", encumbrance_index=str(live)
    )
    # Released: a new lease on the property may be registered, and the old one cannot be ended twice.
    _encumbrance(registry, "encumbrance.registered", cadastral_number="20:315:040:123", case_id="c4")
    with pytest.raises(ServiceError) as twice:
        _encumbrance(
            registry,
            "encumbrance.terminated",
            cadastral_number="20:315:040:123",
            encumbrance_index=str(live),
            case_id="again",
        )
    assert twice.value.code == "chain.encumbrance_not_live"
