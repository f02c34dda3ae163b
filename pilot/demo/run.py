"""`rto demo`: start every service in a fresh data directory, drive the whole journey through
their HTTP APIs, then verify the chain and every receipt as an outsider would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from chain.client import ChainClient
from common.eds import MockCA, Role
from common.ids import Sex, make_iin
from common.parties import HOUSING_COMPANY, STATE_CORPORATION
from common.service_keys import development_key
from common.settings import service_url
from pilot.demo.actors import DemoPeople
from pilot.demo.journey import Journey, StepFailed
from pilot.demo.stage1 import Stage1
from pilot.demo.stages23 import Registration
from pilot.launcher import Launcher, distributed_environment, ensure_postgres_databases
from pilot.topology import service_urls
from registry_gateway.client import RegistryGatewayClient
from registry_gateway.domain.seed import SEED_PROPERTIES

__all__ = ["run_demo"]

FLAT_PRICE = "15000000.00"


def _url(service: str) -> str:
    return service_url(service)


def _rto(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pilot", *args], capture_output=True, text=True, check=False)


def _verify_outside(journey: Journey, out: Path, evidence: dict[str, dict[str, bytes]]) -> None:
    def whole_log() -> dict[str, Any]:
        checked = _rto("chain", "verify", "--url", _url("chain"))
        if checked.returncode != 0:
            raise AssertionError(checked.stderr or checked.stdout)
        report = json.loads(checked.stdout)
        return {"entries": report.get("size", report.get("entries")), "ok": report.get("ok", True)}

    journey.step("rto chain verify: the whole log, its checkpoint and cosignatures", whole_log)

    def receipts() -> dict[str, Any]:
        # What an auditor holds: the CA certificates and the CA's current CRL, nothing online.
        crl = httpx.get(f"{_url('registry_gateway')}/pki/crl", timeout=10)
        crl.raise_for_status()
        (out / "ca.crl").write_bytes(crl.content)
        verified = []
        for name, files in evidence.items():
            paths = {}
            for part, data in files.items():
                path = out / f"{name}.{part}"
                path.write_bytes(data)
                paths[part] = str(path)
            args = [
                "verify",
                "--receipt",
                paths["receipt"],
                "--doc",
                paths["doc"],
                "--cms",
                paths["cms"],
                "--ca",
                str(out / "ca.pem"),
                "--revocation",
                str(out / "ca.crl"),
            ]
            checked = _rto(*args)
            if checked.returncode != 0:
                raise AssertionError(f"{name}: {checked.stderr or checked.stdout}")
            verified.append(name)
        return {"receipts_verified_offline": len(verified), "documents": ", ".join(verified)}

    journey.step("rto verify: every receipt offline, with its document and CMS", receipts)


def run_demo(
    *,
    data_dir: Path,
    console: Console,
    quiet: bool,
    distributed: bool = False,
    postgres_url: str = "",
    redis_url: str = "",
    port_offset: int = 0,
) -> Journey:
    """Run the journey; with `distributed`, on fresh PostgreSQL databases with Redis and Celery workers."""
    if data_dir.exists():
        shutil.rmtree(data_dir)  # the demo's own directory: every run starts from nothing
    data_dir.mkdir(parents=True)
    os.environ["RTO_DATA_DIR"] = str(data_dir)
    env = {"RTO_DATA_DIR": str(data_dir)}
    if distributed:
        ensure_postgres_databases(postgres_url, fresh=True)
        env |= distributed_environment(postgres_url, redis_url)
    journey = Journey(console, quiet=quiet)
    launcher = Launcher(
        distributed=distributed,
        env=env,
        console=console,
        quiet=True,
        log_dir=data_dir / "logs",
        port_offset=port_offset,
    )
    os.environ.update(service_urls(launcher.services))  # this process's clients and `rto` subprocesses
    ca = MockCA.open(data_dir / "pki")
    out = data_dir / "evidence"
    out.mkdir()
    ca.write_ca_bundle(out / "ca.pem")
    people = DemoPeople(
        ca, HOUSING_COMPANY.bin, HOUSING_COMPANY.name_ru, STATE_CORPORATION.bin, STATE_CORPORATION.name_ru
    )
    try:
        journey.step(
            "start every service (health-gated)",
            lambda: launcher.start() or {"services": len(launcher.services)},
        )
        portal = _url("portal")
        flats = {p.key: p.cadastral_number for p in SEED_PROPERTIES}
        officer_iin = make_iin(date(1993, 2, 2), Sex.FEMALE, 4242)
        stage1 = Stage1(
            officer=people.officer_actor(officer_iin, portal),
            head=people.actor("kzhk_head", portal, Role.HEAD, label="KZhK head"),
            applicant=people.actor("applicant_single", portal, label="applicant"),
            guarantor=people.actor("guarantor", portal, label="guarantor"),
            refused=people.actor("listed_person", portal, label="listed applicant"),
            married=people.actor("applicant_married", portal, label="married applicant"),
            cadastral_number=flats["flat_free_1"],
            second_flat=flats["flat_free_2"],
            third_flat=flats["flat_free_3"],
            price=FLAT_PRICE,
        )
        journey.step("KZhK offers a flat (facts from the cadastre)", stage1.offer_flat)
        journey.step("the akimat's list is loaded; invitations sent by SMS", stage1.load_list)
        journey.step(
            "the applicant consents (EDS) and applies; the form fills itself", stage1.apply_with_consent
        )
        journey.step("solvency asks for a guarantor; the guarantor consents", stage1.bring_guarantor)
        journey.step("guarantor and applicant sign the application (EDS)", stage1.sign_and_submit)
        journey.step("KZhK reviews (§15) and approves; schedules shown", stage1.review_and_approve)
        journey.step(
            "lease signed applicant → guarantor → head; lease.signed on the chain", stage1.sign_lease
        )
        journey.step(
            "a listed applicant is heard and refused; refusal.issued", stage1.refuse_listed_applicant
        )
        journey.step("a married applicant signs a lease too", stage1.married_couple_signs_a_lease)

        registration = Registration(
            officer=stage1.officer,
            head=stage1.head,
            registrar=people.actor("registrar", _url("registry_gateway"), label="registrar"),
            gateway=RegistryGatewayClient(_url("registry_gateway"), caller_key=development_key("pilot")),
            videoconf_url=_url("videoconf"),
            outside_url=_url("outside"),
        )
        applicant, lease = stage1.applicant, stage1.facts["lease"]
        application = stage1.facts["application"]
        journey.step(
            "registration: consent, signatures, fee, video check (WebRTC), registrar registers",
            lambda: registration.register_lease(applicant, lease, application),
        )
        journey.step("the credit bureau receives one signed notice", registration.credit_bureau_notified)
        spouse = people.actor("spouse", portal, label="spouse")
        journey.step(
            "a registration is suspended: the spouse missed the video check (art. 27)",
            lambda: registration.suspend_for_absent_spouse(
                stage1.married, spouse, stage1.facts["married_lease"]
            ),
        )
        journey.step(
            "payments up to the purchase price",
            lambda: registration.pay_to_buyout(applicant, lease, application),
        )
        journey.step(
            "KZhK's head signs the release letter; letter.issued",
            lambda: registration.release_letter(applicant, lease),
        )
        journey.step(
            "termination and ownership registered after video checks",
            lambda: registration.terminate_and_transfer(applicant, application, flats["flat_free_1"]),
        )
        letter, letter_cms, letter_index = registration.facts["letter"]
        with ChainClient(_url("chain")) as chain:
            letter_receipt = chain.receipt(letter_index).encode()
        evidence = {
            "lease": {
                "doc": stage1.facts["lease_document"],
                "cms": stage1.facts["lease_cms"],
                "receipt": stage1.facts["lease_receipt"],
            },
            "release-letter": {"doc": letter, "cms": letter_cms, "receipt": letter_receipt},
        }
        _verify_outside(journey, out, evidence)
    except StepFailed:
        pass
    finally:
        launcher.stop()
    return journey
