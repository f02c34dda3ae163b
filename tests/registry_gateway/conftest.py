"""A live registry gateway with its neighbours: the real chain service, the outside stand-ins
(payment gateway, e-gov inbox, SMS, credit-bureau receiver), a videoconf stand-in, and people
holding EDS keys from the mock national CA in the test's data directory."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from chain.client import sha256_hex
from chain.main import create_app as create_chain_app
from common.eds import Identity, IssuedIdentity, Role, dump_p12, sign_detached
from common.service_keys import development_key
from pilot.outside.main import create_app as create_outside_app
from registry_gateway.client import RegistryGatewayClient
from registry_gateway.domain.seed import HOUSING_COMPANY_BIN, SEED_PERSONS
from registry_gateway.main import create_app
from registry_gateway.relay import dispatcher
from registry_gateway.schemas import CaseView, DocumentSpec, PartySpec
from registry_gateway.signatures import get_ca
from tests.registry_gateway.video_standin import VideoStandIn
from tests.support.live import serve

T = TypeVar("T")
PASSWORD = "test-password"
SEED = {p.key: p for p in SEED_PERSONS}


def poll(read: Callable[[], T], done: Callable[[T], bool], within_s: float = 15.0) -> T:
    deadline = time.monotonic() + within_s
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.1)
        value = read()
    return value


@dataclass
class Signer:
    iin: str
    keys: IssuedIdentity

    def sign(self, content: bytes) -> bytes:
        return sign_detached(content, dump_p12(self.keys.sign, PASSWORD, self.iin), PASSWORD)


def person_signer(key: str) -> Signer:
    seed = SEED[key]
    return Signer(seed.iin, get_ca().issue(Identity.individual(seed.iin, seed.kk[0], seed.kk[1])))


def company_signer() -> Signer:
    head = SEED["kzhk_head"]
    identity = Identity.officer(
        head.iin, head.kk[0], head.kk[1], bin=HOUSING_COMPANY_BIN, organisation="KZhK JSC", role=Role.HEAD
    )
    return Signer(head.iin, get_ca().issue(identity))


@dataclass
class World:
    rg: RegistryGatewayClient
    outside: httpx.Client
    video: VideoStandIn
    chain_url: str

    def lease_documents(self, company: Signer, name: str = "lease.pdf") -> list[DocumentSpec]:
        content = f"%PDF-1.7 rent-to-own lease {name} {time.time_ns()}".encode()
        return [
            DocumentSpec(
                name=name,
                sha256=sha256_hex(content),
                media_type="application/pdf",
                content_b64=base64.b64encode(content).decode(),
                cms_b64=base64.b64encode(company.sign(content)).decode(),
            )
        ]

    def submit(
        self, kind: str, cadastral: str, applicant: str, company: Signer, ref: str, related: str | None = None
    ) -> CaseView:
        parties = [
            PartySpec(iin=applicant, role="applicant"),
            PartySpec(bin=HOUSING_COMPANY_BIN, role="housing_company", representative_iin=company.iin),
        ]
        return self.rg.submit_case(kind, cadastral, parties, self.lease_documents(company), ref, related)

    def sign_all(self, case_id: str, applicant: Signer, company: Signer) -> CaseView:
        application = self.rg.application_document(case_id)
        self.rg.sign_case_application(case_id, applicant.iin, applicant.sign(application))
        return self.rg.sign_case_application(case_id, HOUSING_COMPANY_BIN, company.sign(application))

    def hold_video(
        self, case_id: str, *, approved: bool = True, absent: tuple[str, ...] = (), problems=None
    ) -> None:
        case = self.rg.schedule_video(
            case_id, datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
        )
        assert case.video is not None
        room = self.video.rooms[case.video.room_id]
        present = [p.iin for p in room.participants if p.iin not in absent]
        self.video.finish(room.id, approved=approved, present=present, problems=problems)

    def decide(self, case_id: str, action: str, registrar: Signer, **draft) -> CaseView:
        from registry_gateway.schemas import RegistrarDecision

        document = self.rg.decision_draft(case_id, action, **draft)
        raw = base64.b64decode(document.document_b64)
        cms = base64.b64encode(registrar.sign(raw)).decode()
        return self.rg.decide(
            case_id, action, RegistrarDecision(document_b64=document.document_b64, cms_b64=cms)
        )

    def relay(self) -> None:
        """Deliver whatever is due now (the background relay does the same every second)."""
        dispatcher().relay_once()


@pytest.fixture(scope="session")
def shared_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mock CA for the module's tests: its RSA keys are made once, not per test."""
    return tmp_path_factory.mktemp("pki")


@pytest.fixture
def world(fresh_data_dir: Path, shared_pki: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("CHAIN_PUBLISH_INTERVAL_S", "0.2")
    monkeypatch.setenv("REGISTRY_GATEWAY_PKI_DIR", str(shared_pki))
    video = VideoStandIn()
    with (
        serve(create_outside_app()) as outside_url,
        serve(create_chain_app()) as chain_url,
        serve(video.app) as video_url,
    ):
        monkeypatch.setenv("RTO_OUTSIDE_URL", outside_url)
        monkeypatch.setenv("RTO_CHAIN_URL", chain_url)
        monkeypatch.setenv("RTO_VIDEOCONF_URL", video_url)
        monkeypatch.setenv("RTO_PORTAL_URL", outside_url)  # answers 404: the callback is tolerated
        monkeypatch.setenv("RTO_CONSENT_URL", outside_url)
        with (
            serve(create_app()) as url,
            RegistryGatewayClient(url, caller_key=development_key("portal")) as rg,
            httpx.Client(base_url=outside_url, timeout=10) as outside,
        ):
            yield World(rg, outside, video, chain_url)


@pytest.fixture
def registrar(world: World) -> Signer:
    return person_signer("registrar")


@pytest.fixture
def company(world: World) -> Signer:
    return company_signer()
