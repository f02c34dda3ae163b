"""`rto keys` and `rto eds` as an operator uses them, checked against openssl."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from common.ids import Sex, make_bin, make_iin
from pilot.cli import app

runner = CliRunner()
APPLICANT = make_iin(date(1990, 5, 15), Sex.MALE, 12)
GUARANTOR = make_iin(date(1985, 1, 2), Sex.FEMALE, 7)
HEAD = make_iin(date(1970, 3, 4), Sex.MALE, 3)
KZHK_BIN = make_bin(2008, 3, serial=12)


def rto(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def keys(fresh_data_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "keys"
    rto("keys", "ca", "--out", str(out))
    rto(
        "keys",
        "issue",
        "--iin",
        APPLICANT,
        "--name",
        "СЕРІКОВ АЙДОС",
        "--password",
        "pw",
        "--out",
        str(out / "a"),
    )
    rto(
        "keys",
        "issue",
        "--iin",
        GUARANTOR,
        "--name",
        "АХМЕТОВА ДИНА",
        "--password",
        "pw",
        "--out",
        str(out / "g"),
    )
    rto(
        "keys",
        "issue",
        "--iin",
        HEAD,
        "--name",
        "ЖАНҰЗАҚОВ ЕРЛАН",
        "--bin",
        KZHK_BIN,
        "--org",
        'АО "Kazakhstan Housing Company"',
        "--role",
        "head",
        "--password",
        "pw",
        "--out",
        str(out / "h"),
    )
    return out


def _sign_three(keys: Path, document: Path) -> Path:
    cms = keys / "lease.p7s"
    rto(
        "eds",
        "sign",
        "--p12",
        str(keys / "a/sign.p12"),
        "--password",
        "pw",
        "--in",
        str(document),
        "--out",
        str(cms),
    )
    for party in ("g", "h"):
        rto(
            "eds",
            "sign",
            "--p12",
            str(keys / party / "sign.p12"),
            "--password",
            "pw",
            "--in",
            str(document),
            "--out",
            str(cms),
            "--add-to",
            str(cms),
        )
    return cms


def test_three_parties_sign_one_cms_that_openssl_and_rto_accept(keys: Path) -> None:
    document = keys / "lease.json"
    document.write_bytes(b'{"lease":"RTO-1","monthly_payment":"81234.56"}\n')
    cms = _sign_three(keys, document)

    reports = json.loads(rto("eds", "verify", "--in", str(cms), "--content", str(document), "--json"))
    assert [r["indication"] for r in reports] == ["TOTAL_PASSED"] * 3
    assert {r["signer"]["iin"] for r in reports} == {APPLICANT, GUARANTOR, HEAD}
    head = next(r for r in reports if r["signer"]["iin"] == HEAD)
    assert head["signer"]["bin"] == KZHK_BIN
    assert "head" in head["signer"]["roles"]

    openssl = shutil.which("openssl")
    assert openssl, "openssl is part of the machine set-up (scripts/ensure-services.sh)"
    checked = subprocess.run(
        [
            openssl,
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(cms),
            "-content",
            str(document),
            "-CAfile",
            str(keys / "ca.pem"),
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_a_changed_byte_or_a_revoked_signer_fails_verification(keys: Path) -> None:
    document = keys / "lease.json"
    document.write_bytes(b'{"lease":"RTO-2"}')
    cms = _sign_three(keys, document)

    tampered = keys / "tampered.json"
    tampered.write_bytes(b'{"lease":"RTO-3"}')
    result = runner.invoke(app, ["eds", "verify", "--in", str(cms), "--content", str(tampered), "--json"])
    assert result.exit_code == 1
    assert {r["sub_indication"] for r in json.loads(result.output)} == {"HASH_FAILURE"}

    rto("keys", "revoke", "--p12", str(keys / "g/sign.p12"), "--password", "pw")
    result = runner.invoke(app, ["eds", "verify", "--in", str(cms), "--content", str(document), "--json"])
    assert result.exit_code == 1
    by_iin = {r["signer"]["iin"]: r for r in json.loads(result.output)}
    assert by_iin[GUARANTOR]["indication"] != "TOTAL_PASSED"
    assert by_iin[GUARANTOR]["revocation"]["status"] == "revoked"
    assert by_iin[APPLICANT]["indication"] == "TOTAL_PASSED"


def test_issue_refuses_a_bad_iin_and_a_wrong_password(keys: Path) -> None:
    bad = runner.invoke(
        app,
        [
            "keys",
            "issue",
            "--iin",
            "900515301235",
            "--name",
            "A B",
            "--password",
            "pw",
            "--out",
            str(keys / "x"),
        ],
    )
    assert bad.exit_code != 0
    assert "check digit" in bad.output
    wrong = runner.invoke(
        app,
        [
            "eds",
            "sign",
            "--p12",
            str(keys / "a/sign.p12"),
            "--password",
            "nope",
            "--in",
            str(keys / "ca.pem"),
            "--out",
            str(keys / "x.p7s"),
        ],
    )
    assert wrong.exit_code == 2
    assert not (keys / "x.p7s").exists()
