"""One person cannot read or act on another's application, consent, registration case or video
room — over HTTP, against the services running as their own processes, with two applicants
logged in with their EDS. Each refusal carries a stable problem code and none of the other
person's data."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from common.eds import Identity, IssuedIdentity, MockCA, Role, dump_p12, sign_detached
from common.http_client import ServiceError
from common.ids import make_iin
from common.parties import HOUSING_COMPANY
from common.service_keys import development_key
from consent.client import ConsentClient
from registry_gateway.client import RegistryGatewayClient
from registry_gateway.domain.seed import SEED_PERSONS
from registry_gateway.schemas import DocumentSpec, PartySpec
from tests.e2e.support import cluster
from videoconf.client import VideoconfClient
from videoconf.schemas import ParticipantSpec

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

_PASSWORD = "e2e"
REGISTRAR = next(p for p in SEED_PERSONS if p.key == "registrar")
PHONES = ("+77011230001", "+77011230002")


@dataclass
class Person:
    """Someone with EDS keys from the mock CA, using the portal over HTTP."""

    iin: str
    name: str
    keys: IssuedIdentity
    http: httpx.Client

    def sign(self, content: bytes, *, auth: bool = False) -> bytes:
        store = self.keys.auth if auth else self.keys.sign
        return sign_detached(content, dump_p12(store, _PASSWORD, "e2e"), _PASSWORD)

    def sign_b64(self, content: bytes, *, auth: bool = False) -> str:
        return base64.b64encode(self.sign(content, auth=auth)).decode()

    def login(self) -> Person:
        challenge = self.http.post("/v1/auth/challenge").json()
        cms = self.sign_b64(base64.b64decode(challenge["challenge_b64"]), auth=True)
        answer = self.http.post(
            "/v1/auth/login", json={"challenge_id": challenge["challenge_id"], "cms": cms}
        )
        assert answer.status_code == 200, answer.text
        self.http.headers["Authorization"] = f"Bearer {answer.json()['token']}"
        return self

    @property
    def token(self) -> str:
        return self.http.headers["Authorization"].removeprefix("Bearer ")


@dataclass
class World:
    urls: dict[str, str]
    a: Person
    b: Person
    app_a: dict
    app_b: dict


def _problem(response: httpx.Response, status: int, code: str, *secrets: str) -> None:
    """The refusal: the status, its stable code, and nothing of the other person's."""
    assert response.status_code == status, f"{response.status_code} {response.text[:500]}"
    assert response.json()["code"] == code, response.text[:500]
    for secret in secrets:
        assert secret not in response.text, f"{secret!r} leaked: {response.text[:500]}"


def _enrol(urls: dict[str, str], ca: MockCA, clients: list[httpx.Client]) -> World:
    """KZhK offers two flats and loads both applicants from the akimat's list; each applies for one."""

    def person(iin: str, surname: str, given: str, identity: Identity) -> Person:
        clients.append(httpx.Client(base_url=urls["portal"], timeout=60))
        return Person(iin, f"{surname} {given}", ca.issue(identity), clients[-1])

    with RegistryGatewayClient(urls["registry_gateway"], caller_key=development_key("pilot")) as gateway:
        applicants = []
        for born, sex, phone in ((date(1995, 11, 20), "F", PHONES[0]), (date(1988, 3, 14), "M", PHONES[1])):
            record = gateway.scenario_person(sex=sex, birth_date=born.isoformat(), phone=phone)
            surname, given = record.name_ru.surname, record.name_ru.given_name
            applicants.append(
                person(record.iin, surname, given, Identity.individual(record.iin, surname, given))
            )
        flats = [gateway.scenario_property(owner_bin=HOUSING_COMPANY.bin) for _ in applicants]
    iin = make_iin(date(1993, 2, 2), "F", 4242)
    staff = Identity.officer(
        iin, "Қасымова", "Әлия", bin=HOUSING_COMPANY.bin, organisation="KZhK", role=Role.EMPLOYEE
    )
    officer = person(iin, "Қасымова", "Әлия", staff).login()
    for flat in flats:
        offer = {"cadastral_number": flat.cadastral_number, "price": "15000000.00"}
        assert officer.http.post("/v1/flats", json=offer).status_code == 201
    rows = "".join(f"{p.iin},budget_employee,{phone}\n" for p, phone in zip(applicants, PHONES, strict=True))
    listed = officer.http.post(
        "/v1/lists",
        params={"akimat": "Astana"},
        content="iin,category,phone\n" + rows,
        headers={"Content-Type": "text/csv"},
    )
    assert listed.status_code == 201, listed.text
    apps = []
    for applicant, flat in zip(applicants, flats, strict=True):
        wanted = {"cadastral_number": flat.cadastral_number, "term_months": 120}
        created = applicant.login().http.post("/v1/applications", json=wanted)
        assert created.status_code == 201, created.text
        apps.append(created.json())
    return World(urls, applicants[0], applicants[1], apps[0], apps[1])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("isolation")
    ca = MockCA.create(data / "pki")
    names = ["outside", "consent", "videoconf", "registry_gateway", "portal"]
    clients: list[httpx.Client] = []
    with cluster(names, data, stand_ins={"chain": "outside"}) as services:
        try:
            yield _enrol(services.urls, ca, clients)
        finally:
            for client in clients:
                client.close()


# ---------------------------------------------------------------- applications (portal)


def test_an_applicant_cannot_read_anothers_application(world: World) -> None:
    a, b, app = world.a, world.b, world.app_a["id"]
    secrets = (a.iin, a.name, world.app_a["consent"]["id"])
    for path in ("", "/consent/artefact", "/solvency", "/document", "/lease", "/schedule"):
        _problem(b.http.get(f"/v1/applications/{app}{path}"), 404, "application.not_found", *secrets)
    listed = b.http.get("/v1/applications")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [world.app_b["id"]]
    assert a.iin not in listed.text
    anonymous = httpx.get(f"{world.urls['portal']}/v1/applications/{app}", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"].startswith("auth.")
    assert a.iin not in anonymous.text


def test_an_applicant_cannot_act_on_anothers_application(world: World) -> None:
    a, b, app = world.a, world.b, world.app_a["id"]
    secrets = (a.iin, a.name)
    form = {"employer": "Mine now", "position": "x", "service_months": 1, "monthly_income": "1"}
    _problem(b.http.put(f"/v1/applications/{app}/form", json=form), 404, "application.not_found", *secrets)
    _problem(b.http.post(f"/v1/applications/{app}/finalise"), 404, "application.not_found", *secrets)
    guarantor = {"kind": "individual", "identifier": make_iin(date(1979, 7, 7), "M", 77)}
    _problem(
        b.http.post(f"/v1/applications/{app}/guarantors", json=guarantor),
        404,
        "application.not_found",
        *secrets,
    )
    upload = b.http.post(
        f"/v1/applications/{app}/uploads",
        data={"doc_type": "other"},
        files={"file": ("x.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
    )
    _problem(upload, 404, "application.not_found", *secrets)
    signed = b.http.post(f"/v1/applications/{app}/submit", json={"cms": b.sign_b64(b"anything")})
    _problem(signed, 404, "application.not_found", *secrets)
    # The applicant's own view is untouched.
    mine = a.http.get(f"/v1/applications/{app}").json()
    assert mine["status"] == world.app_a["status"]
    assert mine["consent"]["status"] == "PENDING"


def test_an_applicant_cannot_consent_on_anothers_application(world: World) -> None:
    a, b, app = world.a, world.b, world.app_a["id"]
    own_artefact = b.http.get(f"/v1/applications/{world.app_b['id']}/consent/artefact").content
    granted = b.http.post(f"/v1/applications/{app}/consent", json={"cms": b.sign_b64(own_artefact)})
    _problem(granted, 404, "application.not_found", a.iin, a.name)


# ---------------------------------------------------------------- consents (subject pages)


@pytest.fixture(scope="module")
def links(world: World) -> Iterator[tuple[str, str]]:
    """The signed links each subject got for their own consent (by SMS or in the cabinet)."""
    with ConsentClient(world.urls["consent"], caller_key=development_key("portal")) as consent:
        yield (
            consent.subject_link(world.app_a["consent"]["id"]).token,
            consent.subject_link(world.app_b["consent"]["id"]).token,
        )


def test_a_subject_link_opens_only_its_subjects_consents(world: World, links: tuple[str, str]) -> None:
    a_consent, b_consent = world.app_a["consent"]["id"], world.app_b["consent"]["id"]
    a_token, b_token = links
    secrets = (world.a.name, world.a.iin[-6:])
    with httpx.Client(base_url=world.urls["consent"], timeout=30) as http:
        assert http.get(f"/subject/consents/{a_consent}", params={"t": a_token}).status_code == 200
        page = http.get(f"/subject/consents/{a_consent}", params={"t": b_token})
        _problem(page, 403, "consent.link_invalid", *secrets)
        for action in ("reject", "otp", "withdraw"):
            acted = http.post(f"/subject/consents/{a_consent}/{action}", data={"t": b_token, "reason": "x"})
            _problem(acted, 403, "consent.link_invalid", *secrets)
        forged = b_token[:-2] + ("AA" if not b_token.endswith("AA") else "BB")
        _problem(http.get("/subject/consents", params={"t": forged}), 403, "consent.link_invalid")
        own = http.get("/subject/consents", params={"t": b_token})
        assert own.status_code == 200
        assert b_consent in own.text
        assert a_consent not in own.text
        for secret in secrets:
            assert secret not in own.text
    with ConsentClient(world.urls["consent"], caller_key=development_key("portal")) as consent:
        assert consent.get(a_consent).status.value == "PENDING"


def test_the_consent_api_answers_services_only(world: World) -> None:
    a_consent = world.app_a["consent"]["id"]
    with httpx.Client(base_url=world.urls["consent"], timeout=30) as http:
        for headers in ({}, {"Authorization": f"Bearer {world.b.token}"}):
            answer = http.get(f"/v1/consents/{a_consent}", headers=headers)
            assert answer.status_code == 401, answer.text
            assert answer.json()["code"].startswith("auth.")
            assert world.a.iin not in answer.text


# ---------------------------------------------------------------- registration cases


@pytest.fixture(scope="module")
def case_of_a(world: World) -> str:
    content = b"%PDF-1.7 lease of A"
    document = DocumentSpec(
        name="lease.pdf",
        sha256=hashlib.sha256(content).hexdigest(),
        media_type="application/pdf",
        content_b64=base64.b64encode(content).decode(),
    )
    party = PartySpec(iin=world.a.iin, role="applicant")
    with RegistryGatewayClient(world.urls["registry_gateway"], caller_key=development_key("portal")) as rg:
        flat = world.app_a["flat"]["cadastral_number"]
        return rg.submit_case("encumbrance.lease", flat, [party], [document], world.app_a["id"]).id


def _registrar_login(http: httpx.Client, person: Person) -> httpx.Response:
    page = http.get("/registrar/login").text
    token = re.search(r'name="token" value="([^"]+)"', page)
    challenge = re.search(r'id="login-challenge">([^<]+)<', page)
    assert token, page[:500]
    assert challenge, page[:500]
    cms = person.sign_b64(base64.b64decode(challenge.group(1)), auth=True)
    return http.post("/registrar/login", data={"token": token.group(1), "cms_b64": cms, "next": "/registrar"})


def test_a_case_is_for_services_and_registrars_only(world: World, case_of_a: str) -> None:
    secrets = (world.a.iin, world.app_a["id"])
    with httpx.Client(base_url=world.urls["registry_gateway"], timeout=60) as http:
        # The service API: a service JWT, not a person's portal session.
        for headers in ({}, {"Authorization": f"Bearer {world.b.token}"}):
            answer = http.get(f"/v1/cases/{case_of_a}", headers=headers)
            assert answer.status_code == 401, answer.text
            assert answer.json()["code"].startswith("auth."), answer.text
            for secret in secrets:
                assert secret not in answer.text
        # The registrar's pages: no session → the login page, and an applicant's EDS gets none.
        page = http.get(f"/registrar/cases/{case_of_a}")
        assert page.status_code == 303
        assert page.headers["location"].startswith("/registrar/login")
        refused = _registrar_login(http, world.b)
        assert refused.status_code == 403
        assert "<code>registrar.not_a_registrar</code>" in refused.text
        assert "rg_registrar" not in http.cookies
        for secret in secrets:
            assert secret not in refused.text
        page = http.get(f"/registrar/cases/{case_of_a}")
        assert page.status_code == 303
        assert case_of_a not in page.text
        acted = http.post(f"/registrar/cases/{case_of_a}/checks")
        assert acted.status_code == 303
        assert acted.headers["location"].startswith("/registrar/login")
    with RegistryGatewayClient(world.urls["registry_gateway"], caller_key=development_key("portal")) as rg:
        assert rg.case_status(case_of_a).state == "awaiting_signatures"  # nobody ran its checks


def test_only_the_portal_and_the_operator_call_the_gateway(world: World, case_of_a: str) -> None:
    """A valid token of another service (the video room, the chain) reads and decides nothing."""
    for service in ("videoconf", "chain", "consent"):
        with (
            RegistryGatewayClient(world.urls["registry_gateway"], caller_key=development_key(service)) as rg,
            pytest.raises(ServiceError) as refused,
        ):
            rg.case_status(case_of_a)
        assert (refused.value.status, refused.value.code) == (403, "auth.issuer_not_allowed")
        assert world.a.iin not in str(refused.value.problem)


# ---------------------------------------------------------------- video rooms


def _video_login(http: httpx.Client, token: str, person: Person) -> httpx.Response:
    challenge = http.post("/v1/login/challenge", json={"token": token})
    assert challenge.status_code == 200, challenge.text
    nonce = challenge.json()["challenge_b64"]
    cms = person.sign_b64(base64.b64decode(nonce), auth=True)
    return http.post("/v1/login", json={"token": token, "challenge_b64": nonce, "cms_b64": cms})


def test_a_join_link_and_a_session_open_one_room_for_one_person(world: World) -> None:
    a, b = world.a, world.b
    starts_at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    registrar = ParticipantSpec(iin=REGISTRAR.iin, role="registrar", name="Серикова Гульнар")
    with VideoconfClient(world.urls["videoconf"], caller_key=development_key("registry_gateway")) as video:
        rooms = {
            who.iin: video.schedule_room(
                f"case-of-{who.iin}",
                starts_at,
                [
                    registrar,
                    ParticipantSpec(iin=who.iin, role="applicant", name=who.name, legally_capable=True),
                ],
            ).id
            for who in (a, b)
        }
        invitation_a = video.invitation(rooms[a.iin], a.iin).token
        with pytest.raises(ServiceError) as not_invited:
            video.invitation(rooms[b.iin], a.iin)
        assert not_invited.value.code == "video.participant_not_found"

    with httpx.Client(base_url=world.urls["videoconf"], timeout=60) as http:
        # B holds A's link: signing in with B's own key is refused.
        _problem(_video_login(http, invitation_a, b), 403, "video.login_wrong_person", a.iin)
        assert "vc_session" not in http.cookies
    with httpx.Client(base_url=world.urls["videoconf"], timeout=60) as http:
        session = _video_login(http, invitation_a, a)
        assert session.status_code == 200, session.text
        own = http.get(f"/v1/rooms/{rooms[a.iin]}/live")
        assert own.status_code == 200
        # A's session is for A's room: B's room is closed to it, to read or to act.
        other = rooms[b.iin]
        _problem(http.get(f"/v1/rooms/{other}/live"), 403, "video.other_room", b.iin, b.name)
        _problem(http.post(f"/v1/rooms/{other}/consent", json={}), 403, "video.other_room", b.iin)
        answer = http.get(
            f"/v1/rooms/{other}", headers={"Authorization": f"Bearer {session.json()['session_token']}"}
        )
        assert answer.status_code == 401, answer.text
        assert b.iin not in answer.text
