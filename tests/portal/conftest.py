"""The portal with its real peers (chain, consent, registry gateway, the outside stand-ins),
each served by uvicorn on its own port, on fresh SQLite databases, sharing one mock CA."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from common.eds import Identity, MockCA, Role
from common.ids import make_iin
from portal.config import get_settings
from tests.conftest import reset_service_caches
from tests.portal.support import Person
from tests.support.live import free_port, serve

SERVICES = ("chain", "consent", "registry_gateway", "portal", "outside")
KZHK = "АО «Казахстанская жилищная компания»"
_serial = iter(range(1000, 9999))


def new_iin(born: date = date(1990, 5, 17), sex: str = "F") -> str:
    return make_iin(born, sex, next(_serial))


@dataclass
class Stack:
    urls: dict[str, str]
    ca: MockCA
    data_dir: Path

    def person(self, iin: str, surname: str, given: str) -> Person:
        keys = self.ca.issue(Identity.individual(iin, surname, given))
        return Person(iin, keys, httpx.Client(base_url=self.urls["portal"], timeout=60))

    def staff(self, iin: str, surname: str, given: str, role: Role) -> Person:
        bin_ = get_settings().housing_company_bin
        identity = Identity.officer(iin, surname, given, bin=bin_, organisation=KZHK, role=role)
        return Person(iin, self.ca.issue(identity), httpx.Client(base_url=self.urls["portal"], timeout=60))

    def head(self) -> Person:
        return self.staff(new_iin(date(1975, 6, 10), "M"), "Омаров", "Ерлан", Role.HEAD)

    def officer(self) -> Person:
        return self.staff(new_iin(date(1992, 2, 2)), "Официалова", "Айгерим", Role.EMPLOYEE)


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mock CA for the session: RSA keys are slow to make, and identities are cached by it."""
    path = tmp_path_factory.mktemp("portal-eds") / "pki"
    MockCA.create(path)
    return path


def _start(
    names: tuple[str, ...], data_dir: Path, pki: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], Iterator[Stack]]:
    def run() -> Iterator[Stack]:
        ports = {name: free_port() for name in SERVICES}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        for name, url in urls.items():
            monkeypatch.setenv(f"RTO_{name.upper()}_URL", url)
        monkeypatch.setenv("PORTAL_PUBLIC_BASE_URL", urls["portal"])
        for service in ("PORTAL", "CONSENT", "REGISTRY_GATEWAY", "VIDEOCONF"):
            monkeypatch.setenv(f"{service}_PKI_DIR", str(pki))
        reset_service_caches()
        ca = MockCA.load(pki)
        with ExitStack() as stack:
            for name in names:
                stack.enter_context(serve(_factory(name)(), ports[name]))
            yield Stack(urls, ca, data_dir)

    return run


def _factory(name: str) -> Callable:
    if name == "outside":
        from pilot.outside.main import create_app
    elif name == "chain":
        from chain.main import create_app
    elif name == "consent":
        from consent.main import create_app
    elif name == "registry_gateway":
        from registry_gateway.main import create_app
    else:
        from portal.main import create_app
    return create_app


@pytest.fixture
def stack(fresh_data_dir: Path, pki_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    yield from _start(SERVICES, fresh_data_dir, pki_dir, monkeypatch)()


@pytest.fixture
def portal_only(fresh_data_dir: Path, pki_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The portal alone (its peers unreachable): enough for login, lists and invitations."""
    yield from _start(("portal",), fresh_data_dir, pki_dir, monkeypatch)()
