"""Stages 2–3 over HTTP: the portal stack plus the videoconf service (real WebRTC with Python
peers) or a stand-in of it for the registrar's outcome, a quick stage 1 up to a signed lease, and
the registrar's side driven through the gateway's client."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from common.service_keys import development_key
from pilot.demo.video import Invitee, hold_video_check
from portal.config import get_settings
from registry_gateway.client import RegistryGatewayClient
from registry_gateway.domain.seed import SEED_PERSONS
from registry_gateway.schemas import RegistrarDecision
from tests.portal.conftest import Stack
from tests.portal.support import Person, sign_with
from tests.registry_gateway.video_standin import VideoStandIn
from tests.support.live import serve
from videoconf.main import create_app as create_videoconf_app

T = TypeVar("T")
PDF = b"%PDF-1.4\n% a certificate\n%%EOF\n"


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def wait(fetch: Callable[[], T], until: Callable[[T], bool], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value):
            return value
        assert time.monotonic() < deadline, f"timed out; last: {value}"
        time.sleep(0.2)


@dataclass
class Deal:
    applicant: Person
    officer: Person
    head: Person
    application_id: str
    lease_id: str
    cadastral_number: str


@dataclass
class Stages:
    stack: Stack
    gateway: RegistryGatewayClient
    video: VideoStandIn | None  # None: the real videoconf service at `video_url`
    outside: httpx.Client
    registrar: Person
    video_url: str

    def signed_lease(self, price: str = "1200000.00", term_months: int = 12) -> Deal:
        """Stage 1 the short way: a solvent single applicant, no guarantor."""
        officer, head = self.stack.officer().login(), self.stack.head().login()
        flat = self.gateway.scenario_property(owner_bin=get_settings().housing_company_bin)
        ok(officer.post("/v1/flats", {"cadastral_number": flat.cadastral_number, "price": price}), 201)
        record = self.gateway.scenario_person(sex="M", birth_date="1990-03-14", phone="+77017654321")
        applicant = self.stack.person(record.iin, record.name_ru.surname, record.name_ru.given_name)
        ok(officer.load_list([(applicant.iin, "+77017654321")]), 201)
        applicant.login()
        body = {"cadastral_number": flat.cadastral_number, "term_months": term_months}
        app_id = ok(applicant.post("/v1/applications", body), 201)["id"]
        artefact = applicant.get(f"/v1/applications/{app_id}/consent/artefact").content
        ok(applicant.post(f"/v1/applications/{app_id}/consent", {"cms": applicant.sign(artefact)}))
        form = {
            "employer": "School 7",
            "position": "Teacher",
            "service_months": 48,
            "monthly_income": "900000",
        }
        ok(applicant.put(f"/v1/applications/{app_id}/form", form))
        missing = ok(applicant.get(f"/v1/applications/{app_id}"))["missing"]
        for item in [m for m in missing if m.startswith("upload.")]:
            doc_type = item.removeprefix("upload.")
            files = {"file": (f"{doc_type}.pdf", PDF, "application/pdf")}
            ok(
                applicant.http.post(
                    f"/v1/applications/{app_id}/uploads", data={"doc_type": doc_type}, files=files
                ),
                201,
            )
        ok(applicant.post(f"/v1/applications/{app_id}/finalise"))
        document = applicant.get(f"/v1/applications/{app_id}/document").content
        ok(applicant.post(f"/v1/applications/{app_id}/submit", {"cms": applicant.sign(document)}))
        ok(officer.post(f"/v1/applications/{app_id}/checks"))
        ok(officer.post(f"/v1/applications/{app_id}/decision", {"approve": True}))
        lease_id = ok(applicant.get(f"/v1/applications/{app_id}/lease"))["id"]
        content = applicant.get(f"/v1/leases/{lease_id}/document").content
        ok(applicant.post(f"/v1/leases/{lease_id}/signatures", {"cms": applicant.sign(content)}))
        ok(head.post(f"/v1/leases/{lease_id}/signatures", {"cms": head.sign(content)}))
        return Deal(applicant, officer, head, app_id, lease_id, flat.cadastral_number)

    def prepare_case(self, deal: Deal, case_id: str) -> dict[str, Any]:
        """The applicant consents and signs, the head signs, the applicant pays, KZhK books the
        video; each participant fetches their own join link."""
        applicant, head = deal.applicant, deal.head
        if ok(applicant.get(f"/v1/registrations/{case_id}"))["consent"]["status"] not in ("ACTIVE",):
            artefact = applicant.get(f"/v1/registrations/{case_id}/consent/artefact")
            assert artefact.status_code == 200, artefact.text
            ok(
                applicant.post(
                    f"/v1/registrations/{case_id}/consent", {"cms": applicant.sign(artefact.content)}
                )
            )
        application = applicant.get(f"/v1/registrations/{case_id}/application").content
        assert head.get(f"/v1/registrations/{case_id}/application").content == application
        ok(applicant.post(f"/v1/registrations/{case_id}/signatures", {"cms": applicant.sign(application)}))
        ok(head.post(f"/v1/registrations/{case_id}/signatures", {"cms": head.sign(application)}))
        case = ok(applicant.post(f"/v1/registrations/{case_id}/payment"))
        assert case["fee"]["receipt"]["amount"] == "2162.50"
        case = ok(deal.officer.post(f"/v1/registrations/{case_id}/video", {}))
        assert case["video_starts_at"]
        for person in (applicant, head):
            link = ok(person.post(f"/v1/registrations/{case_id}/video/invitation"))
            assert link["join_url"].startswith("http")
        return case

    def register_lease(self, deal: Deal) -> str:
        """Stage 2 in one go: the lease's case formed, prepared, checked on video, registered."""
        case_id = ok(deal.officer.post(f"/v1/leases/{deal.lease_id}/registration"), 201)["id"]
        self.prepare_case(deal, case_id)
        self.hold_video(case_id, deal)
        self.register(case_id)
        wait(
            lambda: ok(deal.applicant.get(f"/v1/applications/{deal.application_id}")),
            lambda a: a["status"] == "registered",
        )
        return case_id

    def hold_video(self, case_id: str, deal: Deal) -> None:
        """The registrar's signed outcome: everyone invited took part and passed — over real
        WebRTC with Python participants when the real videoconf service runs."""
        video = self.gateway.get_case(case_id).video
        assert video is not None
        if self.video is not None:
            room = self.video.rooms[video.room_id]
            self.video.finish(video.room_id, approved=True, present=[p.iin for p in room.participants])
            return
        people = [("applicant", deal.applicant), ("housing_company", deal.head)]
        invitees = [
            Invitee("registrar", _Signer(self.registrar), self._token(case_id, self.registrar.iin, None)),
            *(Invitee(role, _Signer(p), self._token(case_id, p.iin, p)) for role, p in people),
        ]
        result = hold_video_check(self.video_url, video.room_id, invitees)
        assert result["outcome"] == "approved", result
        assert result["all_saw_each_other"], result

    def _token(self, case_id: str, iin: str, person: Person | None) -> str:
        """The join token: a portal user's from their cabinet, the registrar's from the gateway."""
        if person is None:
            url = self.gateway.video_invitation(case_id, iin)["join_url"]
        else:
            url = ok(person.post(f"/v1/registrations/{case_id}/video/invitation"))["join_url"]
        return parse_qs(urlparse(url).query)["token"][0]

    def register(self, case_id: str) -> None:
        """The registrar runs the checks and signs the decision to register."""
        checked = self.gateway.run_checks(case_id)
        assert all(c.passed for c in checked.checks), [
            (c.code, c.detail) for c in checked.checks if not c.passed
        ]
        draft = self.gateway.decision_draft(case_id, "register")
        cms = sign_with(self.registrar.keys.sign, base64.b64decode(draft.document_b64))
        decided = self.gateway.decide(
            case_id, "register", RegistrarDecision(document_b64=draft.document_b64, cms_b64=cms)
        )
        assert decided.state == "registered"


class _Signer:
    """A test person as the video driver's actor (signing and authentication keys)."""

    def __init__(self, person: Person) -> None:
        self.person = person

    def sign(self, content: bytes) -> str:
        return self.person.sign(content)

    def sign_auth(self, content: bytes) -> str:
        return sign_with(self.person.keys.auth, content)


def _stages(stack: Stack, monkeypatch: pytest.MonkeyPatch, real_video: bool) -> Iterator[Stages]:
    standin = None if real_video else VideoStandIn()
    if standin is None and not (stack.data_dir / "pki").exists():
        # videoconf reads the CA from <data dir>/pki: make that the session's mock CA
        (stack.data_dir / "pki").symlink_to(stack.ca.directory, target_is_directory=True)
    app = create_videoconf_app() if standin is None else standin.app
    with serve(app) as video_url:
        monkeypatch.setenv("RTO_VIDEOCONF_URL", video_url)  # read by the gateway at each call
        registrar_seed = next(p for p in SEED_PERSONS if p.key == "registrar")
        surname, given = registrar_seed.kk[0], registrar_seed.kk[1]
        registrar = stack.person(registrar_seed.iin, surname, given)
        with (
            RegistryGatewayClient(
                stack.urls["registry_gateway"], caller_key=development_key("pilot")
            ) as gateway,
            httpx.Client(base_url=stack.urls["outside"], timeout=10) as outside,
        ):
            yield Stages(stack, gateway, standin, outside, registrar, video_url)


@pytest.fixture
def stages(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stages]:
    """The registrar's outcome from a stand-in: any number of video checks, fast."""
    yield from _stages(stack, monkeypatch, real_video=False)


@pytest.fixture
def stages_real_video(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stages]:
    """The real videoconf service: participants join with Python WebRTC peers."""
    yield from _stages(stack, monkeypatch, real_video=True)
