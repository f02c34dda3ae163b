"""Portal API latency under load: p50/p99 and requests/s of a realistic read mix plus a write.
Prints JSON.

    .venv/bin/python bench/portal_api.py [--users 20] [--clients 16] [--seconds 20]

The portal and what it calls (consent, registry gateway, chain, the stand-ins) run as their own
processes on free loopback ports, as `rto up` runs them, in a fresh data directory. Set-up goes
through the HTTP API like the demo: KZhK offers flats and loads the akimat's list; one applicant
applies with consent, brings a guarantor, signs and is approved (so her schedule exists); two
more have draft applications; every other user is invited and logged in with EDS. Then
`--clients` threads, each with its own keep-alive connection, send for `--seconds`: GET /v1/me,
/v1/applications, /v1/applications/{id}, …/solvency, …/schedule, /v1/flats and PUT …/form
(the write), each request as one of the users allowed to make it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import socket
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from common.eds import Identity, MockCA, Role  # noqa: E402
from common.ids import Sex, make_iin  # noqa: E402
from common.parties import HOUSING_COMPANY, STATE_CORPORATION  # noqa: E402
from common.settings import SERVICE_PORTS  # noqa: E402
from pilot.demo.actors import Actor, DemoPeople  # noqa: E402
from pilot.demo.run import FLAT_PRICE  # noqa: E402
from pilot.demo.stage1 import Stage1  # noqa: E402
from pilot.launcher import Launcher  # noqa: E402
from pilot.topology import SERVICES  # noqa: E402
from registry_gateway.domain.seed import SEED_PROPERTIES  # noqa: E402

NEEDED = ("outside", "chain", "consent", "registry_gateway", "portal")
# Share of requests per endpoint: mostly people looking at their cabinet, one write in ten.
MIX = {
    "GET /v1/me": 25,
    "GET /v1/applications": 20,
    "GET /v1/applications/{id}": 20,
    "GET /v1/applications/{id}/solvency": 10,
    "GET /v1/applications/{id}/schedule": 10,
    "GET /v1/flats": 5,
    "PUT /v1/applications/{id}/form": 10,
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_services(data_dir: Path) -> tuple[list[Launcher], str]:
    """The services the portal needs, on free ports (never colliding with `rto up` or tests),
    started side by side (none needs another to start); returns their launchers and the portal's URL."""
    specs = [dataclasses.replace(s, port=_free_port()) for s in SERVICES if s.name in NEEDED]
    closed = f"http://127.0.0.1:{_free_port()}"  # anything else a service might call: refused
    urls = {name: closed for name in SERVICE_PORTS} | {s.name: s.url for s in specs}
    env = {"RTO_DATA_DIR": str(data_dir)} | {f"RTO_{n.upper()}_URL": u for n, u in urls.items()}
    os.environ.update(env)  # the set-up's own clients (the mock CA) read the same directory
    launchers = [
        Launcher(
            env=env,
            console=Console(stderr=True, quiet=True),
            services=[spec],
            quiet=True,
            log_dir=data_dir / "logs",
        )
        for spec in specs
    ]
    with ThreadPoolExecutor(len(launchers)) as pool:
        started = [pool.submit(launcher.start) for launcher in launchers]
    try:
        for future in started:
            future.result()
    except Exception:
        stop(launchers)
        raise
    return launchers, urls["portal"]


def stop(launchers: list[Launcher]) -> None:
    for launcher in launchers:
        launcher.stop()


@dataclass
class User:
    actor: Actor
    token: str
    application: str | None = None
    approved: bool = False
    assessed: bool = False  # the solvency figures can be shown


def set_up(portal: str, data_dir: Path, users: int) -> tuple[list[User], list[float]]:
    """People with what their cabinet shows; returns them and each EDS login's seconds."""
    ca = MockCA.open(data_dir / "pki")
    people = DemoPeople(
        ca, HOUSING_COMPANY.bin, HOUSING_COMPANY.name_ru, STATE_CORPORATION.bin, STATE_CORPORATION.name_ru
    )
    flats = [p for p in SEED_PROPERTIES if p.key.startswith("flat_free")]
    stage = Stage1(
        officer=people.officer_actor(make_iin(date(1993, 2, 2), Sex.FEMALE, 4242), portal),
        head=people.actor("kzhk_head", portal, Role.HEAD, label="KZhK head"),
        applicant=people.actor("applicant_single", portal, label="applicant"),
        guarantor=people.actor("guarantor", portal, label="guarantor"),
        refused=people.actor("listed_person", portal, label="listed applicant"),
        married=people.actor("applicant_married", portal, label="married applicant"),
        cadastral_number=flats[0].cadastral_number,
        second_flat=flats[1].cadastral_number,
        third_flat=flats[2].cadastral_number,
        price=FLAT_PRICE,
    )
    stage.offer_flat()  # the first three
    for flat in flats[3:]:
        stage.officer.post("/v1/flats", {"cadastral_number": flat.cadastral_number, "price": FLAT_PRICE})
    visitors = [_visitor(ca, portal, i) for i in range(max(0, users - 2))]
    rows = [
        "iin,category,phone",
        *(f"{v.iin},budget_employee,+7701{6000000 + i}" for i, v in enumerate(visitors)),
    ]
    stage.load_list()
    stage.officer.call(
        "POST",
        "/v1/lists",
        params={"akimat": "Astana"},
        content="\n".join(rows) + "\n",
        headers={"Content-Type": "text/csv"},
    )
    stage.apply_with_consent()
    stage.bring_guarantor()
    stage.sign_and_submit()
    stage.review_and_approve()
    logins = []
    for visitor in visitors:
        started = time.perf_counter()
        visitor.login()
        logins.append(time.perf_counter() - started)
    stage.refused.login()
    everyone = [
        User(
            stage.applicant, _token(stage.applicant), stage.facts["application"], approved=True, assessed=True
        )
    ]
    for actor, flat in zip((stage.refused, *visitors), flats[1:], strict=False):  # draft applications
        app = actor.post("/v1/applications", {"cadastral_number": flat.cadastral_number, "term_months": 120})
        everyone.append(User(actor, _token(actor), app["id"], assessed=actor is stage.refused))
    _consent_and_income(stage.refused, everyone[1].application or "")
    everyone += [User(v, _token(v)) for v in visitors[len(flats) - 2 :]]
    return everyone, logins


def _visitor(ca: MockCA, portal: str, serial: int) -> Actor:
    """An invited person with keys from the mock CA (not in the seeded register: no autofill)."""
    iin = make_iin(date(1985, 1, 1 + serial % 28), Sex.MALE, 6000 + serial)
    identity = Identity.individual(iin, "Тестов", f"Пользователь{serial}")
    return Actor(
        f"user {serial}",
        iin,
        identity.surname,
        identity.given_name,
        ca.issue(identity),
        httpx.Client(base_url=portal, timeout=60),
    )


def _consent_and_income(person: Actor, application: str) -> None:
    """A seeded person's draft gets consent (so the state data is fetched) and an income: then
    its solvency is computed on every read, as a draft's is."""
    artefact = person.get_bytes(f"/v1/applications/{application}/consent/artefact")
    person.post(f"/v1/applications/{application}/consent", {"cms": person.sign(artefact)})
    person.put(f"/v1/applications/{application}/form", {"monthly_income": "900000"})


def _token(actor: Actor) -> str:
    return actor.http.headers["Authorization"]


def _request(http: httpx.Client, kind: str, user: User, step: int) -> httpx.Response:
    method, template = kind.split(" ")
    path = template.replace("{id}", user.application or "")
    headers = {"Authorization": user.token}
    if method == "PUT":  # a draft applicant corrects her form
        body = {"employer": "School 12", "position": "Teacher", "service_months": 60 + step % 12}
        return http.put(path, json=body, headers=headers)
    return http.get(path, headers=headers)


def _eligible(kind: str, users: list[User]) -> list[User]:
    if kind.endswith("/form"):
        return [u for u in users if u.application and not u.approved]
    if kind.endswith("/schedule"):
        return [u for u in users if u.approved]
    if kind.endswith("/solvency"):
        return [u for u in users if u.assessed]
    if "{id}" in kind:
        return [u for u in users if u.application]
    return users


def drive(portal: str, users: list[User], clients: int, seconds: float) -> dict[str, Any]:
    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    eligible = {k: _eligible(k, users) for k in kinds}
    latencies: dict[str, list[float]] = {k: [] for k in kinds}
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        mine: dict[str, list[float]] = {k: [] for k in kinds}
        codes: Counter[str] = Counter()
        with httpx.Client(base_url=portal, timeout=30) as http:
            step = 0
            while time.perf_counter() < deadline:
                kind = rng.choices(kinds, weights)[0]
                user = rng.choice(eligible[kind])
                started = time.perf_counter()
                try:
                    status = str(_request(http, kind, user, step).status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                mine[kind].append(time.perf_counter() - started)
                codes[f"{kind} → {status}"] += 1
                step += 1
        with lock:
            for k, values in mine.items():
                latencies[k].extend(values)
            statuses.update(codes)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = [v for values in latencies.values() for v in values]
    errors = {k: n for k, n in statuses.items() if not k.rsplit("→ ", 1)[1].startswith("2")}
    return {
        "requests": len(every),
        "seconds": round(elapsed, 2),
        "requests_per_s": round(len(every) / elapsed, 1),
        "p50_ms": _ms(every, 50),
        "p99_ms": _ms(every, 99),
        "errors": sum(errors.values()),
        "error_detail": errors,
        "by_endpoint": {
            k: {"n": len(v), "p50_ms": _ms(v, 50), "p99_ms": _ms(v, 99)} for k, v in latencies.items() if v
        },
    }


def _cpu_seconds(pid: int) -> float:
    """user + sys CPU of a process (proc(5) fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ms(values: list[float], percentile: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0] * 1000, 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[percentile - 1] * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="people logged in with EDS (at least 2)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument("--seconds", type=float, default=20.0, help="load duration (≤ 60)")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench" / "portal")
    args = parser.parse_args()
    data_dir = args.data_dir.resolve()
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    launchers, portal_url = start_services(data_dir)
    try:
        users, logins = set_up(portal_url, data_dir, args.users)
        portal_pid = next(
            p.popen.pid for lr in launchers for p in lr.processes if p.label == "portal" and p.popen
        )
        cpu_before = _cpu_seconds(portal_pid)
        result = drive(portal_url, users, args.clients, min(args.seconds, 60.0))
        portal_cpu = _cpu_seconds(portal_pid) - cpu_before
    finally:
        stop(launchers)
    # The portal's own CPU per request does not depend on how busy the shared machine is.
    result["portal_cpu_ms_per_request"] = round(1000 * portal_cpu / max(1, result["requests"]), 2)
    result["portal_cpu_pct_of_one_core"] = round(100 * portal_cpu / result["seconds"], 1)

    print(
        json.dumps(
            {
                "bench": "portal_api",
                "users": len(users),
                "clients": args.clients,
                "eds_login_ms_p50": _ms(logins, 50),
                **result,
                "machine": {
                    "cpus": os.cpu_count(),
                    "load_average_1m": round(os.getloadavg()[0], 2),
                    "date": datetime.now(UTC).date().isoformat(),
                    "note": "portal: one uvicorn worker (embedded, SQLite); clients share the machine",
                },
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
