"""Detached CAdES-B CMS: what each signature holds, co-signing, and OpenSSL's opinion."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms

from common.eds import EdsError, MockCA, add_signer, merge, strip_pem_armour
from common.eds.ca import INTERMEDIATE_NAME

from .conftest import DOCUMENT, PASSWORD, sign_as


def openssl_verify(
    tmp_path: Path, ca: MockCA, signature: bytes, content: bytes = DOCUMENT
) -> subprocess.CompletedProcess:
    (tmp_path / "sig.p7s").write_bytes(signature)
    (tmp_path / "doc.bin").write_bytes(content)
    signers = tmp_path / "signers.pem"
    return subprocess.run(
        [
            "openssl", "cms", "-verify", "-binary", "-inform", "DER",
            "-in", str(tmp_path / "sig.p7s"), "-content", str(tmp_path / "doc.bin"),
            "-CAfile", str(ca.directory / "ca.pem"), "-signer", str(signers), "-out", "/dev/null",
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def test_signature_is_detached_cades_b_with_signer_and_issuing_ca(p12_files: dict[str, Path]) -> None:
    signed_data = cms.ContentInfo.load(sign_as(p12_files["applicant"]))["content"]
    assert signed_data["encap_content_info"]["content"].native is None  # detached
    assert signed_data["encap_content_info"]["content_type"].native == "data"
    (signer_info,) = signed_data["signer_infos"]
    attrs = [attr["type"].native for attr in signer_info["signed_attrs"]]
    assert set(attrs) == {"content_type", "message_digest", "signing_time", "signing_certificate_v2"}
    assert signer_info["digest_algorithm"]["algorithm"].native == "sha256"
    subjects = {c.chosen.subject.native["common_name"] for c in signed_data["certificates"]}
    assert subjects == {"ТЕСТОВ ТЕСТ", INTERMEDIATE_NAME}  # no root: the verifier brings it


def test_openssl_accepts_a_single_signature_and_rejects_other_bytes(
    p12_files: dict[str, Path], ca: MockCA, tmp_path: Path
) -> None:
    signature = sign_as(p12_files["applicant"])
    ok = openssl_verify(tmp_path, ca, signature)
    assert ok.returncode == 0, ok.stderr
    # Line endings are signed as they are: binary mode, no MIME canonicalisation.
    crlf = openssl_verify(tmp_path, ca, signature, DOCUMENT.replace(b"\n", b"\r\n"))
    assert crlf.returncode != 0


def test_three_parallel_signers_verify_with_openssl(
    p12_files: dict[str, Path], ca: MockCA, tmp_path: Path
) -> None:
    parts = [sign_as(p12_files[name]) for name in ("applicant", "guarantor", "khc_head")]
    merged = merge(parts)
    signed_data = cms.ContentInfo.load(merged)["content"]
    assert len(signed_data["signer_infos"]) == 3
    assert len(signed_data["digest_algorithms"]) == 1
    assert len(signed_data["certificates"]) == 4  # three signers + one shared issuing CA
    result = openssl_verify(tmp_path, ca, merged)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "signers.pem").read_text().count("BEGIN CERTIFICATE") == 3


def test_add_signer_grows_an_existing_cms(p12_files: dict[str, Path], ca: MockCA, tmp_path: Path) -> None:
    first = sign_as(p12_files["applicant"])
    khc = (p12_files["khc_head"] / "sign.p12").read_bytes()
    both = add_signer(first, DOCUMENT, khc, PASSWORD)
    assert len(cms.ContentInfo.load(both)["content"]["signer_infos"]) == 2
    assert openssl_verify(tmp_path, ca, both).returncode == 0
    # Merging what is already there changes nothing.
    assert merge([both, first]) == both
    with pytest.raises(EdsError) as caught:
        add_signer(first, DOCUMENT + b"!", khc, PASSWORD)
    assert caught.value.code == "eds.cms.content_mismatch"


def test_merge_refuses_nothing_and_garbage() -> None:
    with pytest.raises(EdsError) as caught:
        merge([])
    assert caught.value.code == "eds.cms.empty"
    with pytest.raises(EdsError) as caught:
        merge([b"\x30\x03\x02\x01\x01"])
    assert caught.value.code == "eds.cms.malformed"


def test_strip_pem_armour_accepts_der_pem_and_base64(p12_files: dict[str, Path]) -> None:
    der = sign_as(p12_files["guarantor"])
    b64 = base64.b64encode(der)
    pem = (
        b"-----BEGIN CMS-----\n"
        + b"\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))
        + b"\n-----END CMS-----\n"
    )
    assert strip_pem_armour(der) == der
    assert strip_pem_armour(pem) == der
    assert strip_pem_armour(b64.decode()) == der
    with pytest.raises(EdsError):
        strip_pem_armour("not base64 at all!")
