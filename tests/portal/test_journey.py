"""One application over HTTP, from the akimat's list to `lease.signed`, with the real consent,
registry gateway and chain services: consent, auto-fill, a guarantor, review, schedules, and
the lease signed applicant → guarantor → head, out-of-order and wrong-key attempts refused."""

from __future__ import annotations

import base64
import shutil
import subprocess
import time
from decimal import Decimal

import httpx
import pytest

from common.eds import Identity, Role
from common.service_keys import development_key
from portal.config import get_settings
from registry_gateway.client import RegistryGatewayClient
from registry_gateway.domain.seed import REGISTRAR_ORG_BIN
from tests.portal.conftest import Stack
from tests.portal.support import Person, sign_with

PDF = b"%PDF-1.4\n% a certificate\n%%EOF\n"


def _ok(response, status: int = 200):
    assert response.status_code == status, response.text
    return response.json()


def _wait(fetch, until, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value):
            return value
        assert time.monotonic() < deadline, f"timed out; last: {value}"
        time.sleep(0.2)


@pytest.fixture
def gateway(stack: Stack):
    with RegistryGatewayClient(stack.urls["registry_gateway"], caller_key=development_key("pilot")) as client:
        yield client


def _person(stack: Stack, gateway: RegistryGatewayClient, **fields) -> Person:
    record = gateway.scenario_person(**fields)
    return stack.person(record.iin, record.name_ru.surname, record.name_ru.given_name)


def test_from_the_list_to_a_signed_lease(stack: Stack, gateway: RegistryGatewayClient, tmp_path):
    officer, head = stack.officer().login(), stack.head().login()
    flat = gateway.scenario_property(owner_bin=get_settings().housing_company_bin)
    _ok(officer.post("/v1/flats", {"cadastral_number": flat.cadastral_number, "price": "15000000.00"}), 201)

    applicant = _person(stack, gateway, sex="F", birth_date="1995-11-20", phone="+77011234503")
    guarantor = _person(stack, gateway, sex="M", birth_date="1984-04-22", monthly_payments="64000.00")
    assert _ok(officer.load_list([(applicant.iin, "+77011234503")]), 201)["rows_loaded"] == 1

    # the applicant applies; consent comes first, then the state systems fill the form
    applicant.login()
    app = _ok(
        applicant.post("/v1/applications", {"cadastral_number": flat.cadastral_number, "term_months": 120}),
        201,
    )
    app_id = app["id"]
    assert app["consent"]["status"] == "PENDING"
    assert "consent" in app["missing"]
    artefact = applicant.get(f"/v1/applications/{app_id}/consent/artefact").content
    app = _ok(applicant.post(f"/v1/applications/{app_id}/consent", {"cms": applicant.sign(artefact)}))
    assert app["consent"]["status"] == "ACTIVE"
    assert app["state_data"]["person"]["iin"] == applicant.iin
    assert app["applicant"]["name"].startswith(app["state_data"]["person"]["name_ru"]["surname"])

    # only what no state system holds is asked for
    _ok(
        applicant.put(
            f"/v1/applications/{app_id}/form",
            {
                "employer": "School 12",
                "position": "Teacher",
                "service_months": 60,
                "monthly_income": "250000",
            },
        )
    )
    for doc_type in ("employment_certificate", "salary_certificate", "no_marriage_statement"):
        _ok(
            applicant.http.post(
                f"/v1/applications/{app_id}/uploads",
                data={"doc_type": doc_type},
                files={"file": (f"{doc_type}.pdf", PDF, "application/pdf")},
            ),
            201,
        )
    too_big = applicant.http.post(
        f"/v1/applications/{app_id}/uploads",
        data={"doc_type": "other"},
        files={"file": ("x.exe", b"MZ", "application/x-msdownload")},
    )
    assert too_big.status_code == 415

    # 250,000 a month does not carry a 15 mln lease: a guarantor is needed
    refused = applicant.post(f"/v1/applications/{app_id}/finalise")
    assert refused.status_code == 422
    assert refused.json()["code"] == "solvency.guarantor_required"
    assert "solvency.payment_to_income" in refused.json()["solvency"]["reasons"]
    _ok(
        applicant.post(
            f"/v1/applications/{app_id}/guarantors", {"kind": "individual", "identifier": guarantor.iin}
        ),
        201,
    )

    guarantor.login()
    assert "guarantor" in guarantor.roles
    (mine,) = _ok(guarantor.get("/v1/guarantees"))
    gid = mine["id"]
    g_artefact = guarantor.get(f"/v1/guarantees/{gid}/consent/artefact").content
    g = _ok(guarantor.post(f"/v1/guarantees/{gid}/consent", {"cms": guarantor.sign(g_artefact)}))
    assert g["consent"]["status"] == "ACTIVE"
    assert g["ineligible"] == []
    _ok(guarantor.put(f"/v1/guarantees/{gid}/income", {"monthly_income": "600000"}))

    app = _ok(applicant.post(f"/v1/applications/{app_id}/finalise"))
    # The guarantor sees what it signs, not the applicant's register data or papers.
    as_guarantor = _ok(guarantor.get(f"/v1/applications/{app_id}"))
    assert app["state_data"]
    assert app["uploads"]
    assert (as_guarantor["state_data"], as_guarantor["uploads"]) == (None, [])
    assert as_guarantor["flat"] == app["flat"]
    assert as_guarantor["document_sha256"] == app["document_sha256"]
    solvency = app["solvency"]
    assert not solvency["needs_guarantor"]
    assert Decimal(solvency["payment_to_income"]) <= Decimal("0.5")
    document = applicant.get(f"/v1/applications/{app_id}/document").content

    # the applicant signs after the guarantor
    early = applicant.post(f"/v1/applications/{app_id}/submit", {"cms": applicant.sign(document)})
    assert early.status_code == 409
    assert early.json()["code"] == "application.guarantors_unsigned"
    _ok(guarantor.post(f"/v1/guarantees/{gid}/signature", {"cms": guarantor.sign(document)}))
    app = _ok(applicant.post(f"/v1/applications/{app_id}/submit", {"cms": applicant.sign(document)}))
    assert app["status"] == "submitted"
    assert app["review_deadline"]

    # the review: checks through the state systems, then approval
    app = _ok(officer.post(f"/v1/applications/{app_id}/checks"))
    assert app["review"]["passed"], app["review"]
    app = _ok(officer.post(f"/v1/applications/{app_id}/decision", {"approve": True}))
    assert app["status"] == "approved"
    schedule = _ok(applicant.get(f"/v1/applications/{app_id}/schedule"))
    assert len(schedule["rows"]) == 120
    assert schedule["rows"][-1]["early_buyout"] == "0.00"
    assert schedule["property_tax"]["years"]

    lease = _ok(applicant.get(f"/v1/applications/{app_id}/lease"))
    lease_id = lease["id"]
    content = applicant.get(f"/v1/leases/{lease_id}/document").content
    assert applicant.get(f"/v1/leases/{lease_id}/document").content == content  # deterministic

    # out of order → 409; the right person with the wrong key → 422
    head_first = head.post(f"/v1/leases/{lease_id}/signatures", {"cms": head.sign(content)})
    assert head_first.status_code == 409
    assert head_first.json()["code"] == "lease.out_of_order"
    auth_key = applicant.post(
        f"/v1/leases/{lease_id}/signatures", {"cms": sign_with(applicant.keys.auth, content)}
    )
    assert auth_key.status_code == 422
    assert auth_key.json()["code"] == "signature.wrong_role"

    _ok(applicant.post(f"/v1/leases/{lease_id}/signatures", {"cms": applicant.sign(content)}))
    _ok(guarantor.post(f"/v1/leases/{lease_id}/signatures", {"cms": guarantor.sign(content)}))
    signed = _ok(head.post(f"/v1/leases/{lease_id}/signatures", {"cms": head.sign(content)}))
    assert [s["role"] for s in signed["signed"]] == ["applicant", "guarantor", "head"]
    assert _ok(applicant.get(f"/v1/applications/{app_id}"))["status"] == "lease_signed"

    # lease.signed reaches the chain from the outbox; the receipt is kept
    lease = _wait(
        lambda: _ok(applicant.get(f"/v1/leases/{lease_id}")), lambda v: v["chain_index"] is not None
    )
    receipt = _wait(lambda: applicant.get(f"/v1/leases/{lease_id}/receipt"), lambda r: r.status_code == 200)
    assert receipt.text

    # anyone can verify the lease and its signatures, and find it by the QR code's hash and index
    cms = applicant.get(f"/v1/leases/{lease_id}/cms").content
    report = _ok(
        applicant.http.post(
            "/v1/verify",
            json={"document_b64": base64.b64encode(content).decode(), "cms": base64.b64encode(cms).decode()},
        )
    )
    assert report["valid"]
    assert [s["indication"] for s in report["signers"]] == ["TOTAL_PASSED"] * 3
    assert report["record"]["chain_index"] == lease["chain_index"]
    qr = _ok(
        applicant.http.get("/v1/verify", params={"sha256": lease["sha256"], "index": lease["chain_index"]})
    )
    assert qr["kind"] == "lease.signed"
    printed = applicant.get(f"/v1/leases/{lease_id}/html").text
    assert lease["sha256"] in printed
    assert "<svg" in printed  # the QR code carrying the hash and chain index
    assert qr["index_matches"]

    # and an outside openssl accepts every signature
    if shutil.which("openssl"):
        (tmp_path / "lease.json").write_bytes(content)
        (tmp_path / "lease.p7s").write_bytes(cms)
        result = subprocess.run(
            [
                "openssl",
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                tmp_path / "lease.p7s",
                "-content",
                tmp_path / "lease.json",
                "-CAfile",
                stack.ca.directory / "ca.pem",
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr


def test_an_employer_guarantees_through_its_head_not_any_employee(
    stack: Stack, gateway: RegistryGatewayClient
) -> None:
    """An employee's organisation key shows neither the guarantee nor the application; the head's
    (or a signatory's) key answers for the employer."""
    officer = stack.officer().login()
    flat = gateway.scenario_property(owner_bin=get_settings().housing_company_bin)
    _ok(officer.post("/v1/flats", {"cadastral_number": flat.cadastral_number, "price": "9000000.00"}), 201)
    applicant = _person(stack, gateway, sex="F", birth_date="1990-03-03")
    _ok(officer.load_list([(applicant.iin, "+77011234509")]), 201)
    applicant.login()
    app = _ok(
        applicant.post("/v1/applications", {"cadastral_number": flat.cadastral_number, "term_months": 120}),
        201,
    )
    employer = REGISTRAR_ORG_BIN  # a legal entity the registers know
    _ok(
        applicant.post(
            f"/v1/applications/{app['id']}/guarantors", {"kind": "employer", "identifier": employer}
        ),
        201,
    )

    def staff(role: Role) -> Person:
        record = gateway.scenario_person(sex="M", birth_date="1980-01-01")
        identity = Identity.officer(
            record.iin, "Сотрудник", "Ерлан", bin=employer, organisation="Employer", role=role
        )
        return Person(
            record.iin, stack.ca.issue(identity), httpx.Client(base_url=stack.urls["portal"], timeout=60)
        )

    employee = staff(Role.EMPLOYEE).login()
    assert "guarantor" not in employee.roles
    assert _ok(employee.get("/v1/guarantees")) == []
    assert employee.get(f"/v1/applications/{app['id']}").status_code == 404
    head = staff(Role.HEAD).login()
    assert "guarantor" in head.roles
    (guarantee,) = _ok(head.get("/v1/guarantees"))
    assert (
        employee.put(f"/v1/guarantees/{guarantee['id']}/income", {"monthly_income": "1"}).status_code == 404
    )
    _ok(head.put(f"/v1/guarantees/{guarantee['id']}/income", {"monthly_income": "300000"}))
