"""What is kept in memory between calls (loaded signers, opened key stores, parsed CA keys and
register) must never show: the same bytes as without it, and every change made by another
process seen at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from asn1crypto import keys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko_certvalidator.registry import SimpleCertificateStore

from common.eds import (
    CaRevocation,
    EdsError,
    Identity,
    Indication,
    IssuedIdentity,
    MockCA,
    RevocationStatus,
    SubIndication,
    TrustAnchors,
    dump_p12,
    load_p12,
    sign_detached,
    validate_cms,
)
from common.eds._asn1 import to_asn1
from common.eds.cms import async_sign_detached, load_signed_data
from common.eds.keystore import KeyStore

from .conftest import DOCUMENT, PASSWORD, make_iin

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


async def _plain_pyhanko(store: KeyStore) -> bytes:
    """A signature as pyHanko's own SimpleSigner makes it, loading the key afresh."""
    signer = SimpleSigner(
        signing_cert=to_asn1(store.certificate),
        signing_key=keys.PrivateKeyInfo.load(
            store.private_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in store.chain[:1]]),
        embed_roots=False,
    )
    signed = await signer.async_sign_general_data(
        DOCUMENT,
        "sha256",
        detached=True,
        use_cades=True,
        signed_attr_settings=PdfCMSSignedAttributes(signing_time=AT),
    )
    return signed.dump()


async def test_signatures_are_byte_for_byte_pyhankos(parties: dict[str, IssuedIdentity]) -> None:
    for name in ("applicant", "khc_head"):
        store = parties[name].sign
        expected = await _plain_pyhanko(store)
        assert await async_sign_detached(DOCUMENT, store, signing_time=AT) == expected
        assert await async_sign_detached(DOCUMENT, store, signing_time=AT) == expected  # signer reused
        p12 = dump_p12(store, PASSWORD, name)
        assert sign_detached(DOCUMENT, p12, PASSWORD, signing_time=AT) == expected


def test_key_stores_come_back_as_they_went_in(parties: dict[str, IssuedIdentity]) -> None:
    store = parties["guarantor"].auth
    p12 = dump_p12(store, PASSWORD, "guarantor")
    opened = load_p12(p12, PASSWORD)
    assert (opened.certificate, opened.chain) == (store.certificate, store.chain)
    assert load_p12(p12, PASSWORD) is opened
    other_name = dump_p12(store, PASSWORD, "someone else")
    assert other_name != p12
    assert load_p12(other_name, PASSWORD).certificate == store.certificate


def test_another_process_revoking_and_reissuing_is_seen_at_once(ca: MockCA) -> None:
    person = Identity.individual(make_iin("91050530012"), "Кешов", "Ерік")
    service = MockCA.load(ca.directory)  # a service that has answered before
    first = service.issue(person)
    trust = TrustAnchors.from_ca(service)
    signed = sign_detached(DOCUMENT, dump_p12(first.sign, PASSWORD, "x"), PASSWORD)
    assert validate_cms(signed, DOCUMENT, trust, CaRevocation(service))[0].passed

    MockCA.load(ca.directory).revoke(first.sign.certificate, x509.ReasonFlags.key_compromise)  # `rto keys`
    stale = sign_detached(DOCUMENT, dump_p12(first.sign, PASSWORD, "x"), PASSWORD)
    (report,) = validate_cms(stale, DOCUMENT, trust, CaRevocation(service))
    assert not report.passed
    assert report.revocation.status is RevocationStatus.REVOKED

    second = service.issue(person)  # a fresh key, not the dropped one from memory
    assert second.sign.certificate.public_key() != first.sign.certificate.public_key()
    (fresh,) = validate_cms(
        sign_detached(DOCUMENT, dump_p12(second.sign, PASSWORD, "x"), PASSWORD),
        DOCUMENT,
        trust,
        CaRevocation(service),
    )
    assert fresh.passed
    assert fresh.signer is not None
    assert fresh.chain[0].serial == format(second.sign.certificate.serial_number, "X")


def test_a_malformed_signer_is_refused_even_next_to_known_parts(
    parties: dict[str, IssuedIdentity], trust: TrustAnchors, revocation: CaRevocation
) -> None:
    p12 = dump_p12(parties["applicant"].sign, PASSWORD, "a")
    good = sign_detached(DOCUMENT, p12, PASSWORD, signing_time=AT)
    assert validate_cms(good, DOCUMENT, trust, revocation)[0].passed  # its parts are known now
    at = good.index(b"\x17\x0d" + AT.strftime("%y%m%d%H%M%SZ").encode())
    bad_month = good[: at + 4] + b"13" + good[at + 6 :]  # signing-time 2026-13-02: well-formed DER, no date
    with pytest.raises(EdsError) as caught:
        load_signed_data(bad_month)
    assert caught.value.code == "eds.cms.malformed"
    (report,) = validate_cms(bad_month, DOCUMENT, trust, revocation)
    assert (report.indication, report.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.FORMAT_FAILURE,
    )
