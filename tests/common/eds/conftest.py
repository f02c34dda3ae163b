"""One mock CA per test session (RSA key generation dominates the run time), backdated so
tests can issue certificates that have already expired, and a few NCA-style identities."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from common.eds import CaRevocation, Identity, IssuedIdentity, MockCA, Role, TrustAnchors, sign_detached
from common.ids import check_digit

KHC_BIN = "050540000016"  # fictitious; a valid BIN shape and check digit
KHC_NAME = 'АО "Казахстанская жилищная компания"'
DOCUMENT = "Договор аренды с выкупом №17\nАрендатор: ТЕСТОВ ТЕСТ\n".encode() * 40
PASSWORD = "correct horse battery staple"


def make_iin(first11: str) -> str:
    digit = check_digit(first11)
    assert digit is not None, f"no valid check digit for {first11}"
    return first11 + str(digit)


APPLICANT = Identity.individual(make_iin("90010130012"), "Тестов", "Тест", "Тестович")
GUARANTOR = Identity.individual(make_iin("85031240034"), "Сейтқали", "Әйгерім")
KHC_HEAD = Identity.officer(make_iin("75060530045"), "Жанұзақов", "Ерлан", bin=KHC_BIN, organisation=KHC_NAME)
KHC_SIGNER = Identity.officer(
    make_iin("80111230056"), "Ким", "Ольга", bin=KHC_BIN, organisation=KHC_NAME, role=Role.MAY_SIGN
)
KHC_EMPLOYEE = Identity.officer(
    make_iin("92020240067"), "Ахметов", "Арман", bin=KHC_BIN, organisation=KHC_NAME, role=Role.EMPLOYEE
)


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> MockCA:
    directory = tmp_path_factory.mktemp("eds") / "pki"
    return MockCA.create(directory, valid_from=datetime.now(UTC) - timedelta(days=3 * 365))


@pytest.fixture(scope="session")
def foreign_ca(tmp_path_factory: pytest.TempPathFactory) -> MockCA:
    # Same names as the real mock, different keys: only the keys decide trust.
    return MockCA.create(tmp_path_factory.mktemp("foreign") / "pki")


@pytest.fixture(scope="session")
def trust(ca: MockCA) -> TrustAnchors:
    return TrustAnchors.from_ca(ca)


@pytest.fixture(scope="session")
def revocation(ca: MockCA) -> CaRevocation:
    return CaRevocation(ca)


@pytest.fixture(scope="session")
def parties(ca: MockCA) -> dict[str, IssuedIdentity]:
    return {
        "applicant": ca.issue(APPLICANT),
        "guarantor": ca.issue(GUARANTOR),
        "khc_head": ca.issue(KHC_HEAD),
        "khc_signer": ca.issue(KHC_SIGNER),
        "khc_employee": ca.issue(KHC_EMPLOYEE),
    }


@pytest.fixture(scope="session")
def p12_files(
    tmp_path_factory: pytest.TempPathFactory, parties: dict[str, IssuedIdentity]
) -> dict[str, Path]:
    """`<name>` → directory holding that party's sign.p12 and auth.p12."""
    root = tmp_path_factory.mktemp("p12")
    out = {}
    for name, issued in parties.items():
        issued.write(root / name, PASSWORD)
        out[name] = root / name
    return out


def sign_as(p12_dir: Path, content: bytes = DOCUMENT, purpose: str = "sign", **kwargs: object) -> bytes:
    return sign_detached(content, (p12_dir / f"{purpose}.p12").read_bytes(), PASSWORD, **kwargs)
