"""Machine time of the demo journey against its cryptographic floor. Prints JSON.

    .venv/bin/python bench/lifecycle.py [--data-dir var/bench/lifecycle] [--loops 30]

Runs `pilot.demo.run.run_demo` (every service as its own process, the journey through their
HTTP APIs, as far as the journey goes today) and, around each step, reads the CPU time
(user+sys, /proc) of every process the bench started, of their children, and of the driver.
Every Python process of the run loads `bench/_probe/sitecustomize.py`, which counts the
signatures made and checked at the kernel's boundaries (CMS, Ed25519, EdDSA JWTs, raw RSA) and
the PKCS#12 key stores sealed and opened (the people unlock their file token to sign).
The floor is those counts times unit costs measured here, in the same run, on the same
machine; ratio = machine time / floor over the journey's steps (start-up excluded).

The target (≤ 3) applies to the lifecycle: the services and the people (the driver) outside
the video checks. Reported beside it, each with its own ratio, never left out: the video
checks (their media — synthetic cameras encoded by the driver, forwarded and recorded by the
video room — is not cryptography; `bench/videoconf.py` measures the room), the outsider's
checks (`rto chain verify`, `rto verify`: fresh processes, an auditor's cost), and the whole
journey with everything in it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PROBE_DIR = ROOT / "bench" / "_probe"
TARGET_RATIO = 3.0
_TICK = os.sysconf("SC_CLK_TCK")


def _install_probe(counts_dir: Path) -> tuple[str, ...]:
    """Counters in this process and, through PYTHONPATH, in every process it starts."""
    counts_dir.mkdir(parents=True, exist_ok=True)
    os.environ["RTO_BENCH_PROBE_DIR"] = str(counts_dir)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROBE_DIR), os.environ.get("PYTHONPATH")]))
    spec = importlib.util.spec_from_file_location("rto_bench_probe", PROBE_DIR / "sitecustomize.py")
    assert spec is not None
    assert spec.loader is not None
    probe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probe)
    return tuple(probe.COUNTERS)


# --- CPU time of the process tree, from /proc -------------------------------------------------


def _stat(pid: int | str) -> tuple[int, list[str]] | None:
    """(ppid, fields after the command name) of a process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), fields


def _cpu(fields: list[str], *, children: bool = True) -> float:
    # utime, stime, then cutime, cstime (reaped children): fields 14–17 of proc(5)
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def _label(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "other"
    for arg in argv:
        if arg.endswith(":create_app"):
            return arg.split(".main:")[0].removeprefix("pilot.")
    if "celery" in argv:
        return "celery:" + next((a for a in argv if a.endswith(":celery_app")), "?").split(".")[0]
    return "tool:" + " ".join(argv[2:4])


@dataclass
class Snapshot:
    cpu: dict[str, float]  # label → CPU seconds so far
    counts: dict[str, int]  # "group/operation" → count so far (groups: driver, services, tools)


@dataclass
class Tree:
    counts_dir: Path
    counters: tuple[str, ...]
    labels: dict[int, str] = field(default_factory=dict)

    def _descendants(self) -> dict[int, list[str]]:
        parents: dict[int, int] = {}
        stats: dict[int, list[str]] = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                found = _stat(entry.name)
                if found:
                    parents[int(entry.name)], stats[int(entry.name)] = found
        mine, frontier = {}, [os.getpid()]
        while frontier:
            parent = frontier.pop()
            for pid, ppid in parents.items():
                if ppid == parent and pid not in mine:
                    mine[pid] = stats[pid]
                    frontier.append(pid)
        return mine

    def _counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for path in self.counts_dir.glob("*.cnt"):
            group = _group(
                self.labels.get(int(path.stem), "tool:") if path.stem != str(os.getpid()) else "driver"
            )
            raw = path.read_bytes()
            for index, name in enumerate(self.counters):
                key = f"{group}/{name}"
                totals[key] = totals.get(key, 0) + int.from_bytes(
                    raw[8 * index : 8 * index + 8], "little", signed=True
                )
        return totals

    def tool_processes(self) -> int:
        """`rto` processes the run started (each left its counter file; services are labelled)."""
        pids = (int(path.stem) for path in self.counts_dir.glob("*.cnt"))
        return sum(
            1 for pid in pids if pid != os.getpid() and _group(self.labels.get(pid, "tool:")) == "tools"
        )

    def snapshot(self, *, driver_first: bool) -> Snapshot:
        """Driver read first (after a step) or last (before one), so that the /proc scan's own
        CPU falls outside the step it brackets."""
        cpu: dict[str, float] = {}

        def driver() -> None:
            own = _stat("self")
            assert own is not None
            cpu["driver"] = _cpu(own[1], children=False)
            cpu["driver subprocesses"] = _cpu(own[1]) - cpu["driver"]

        if driver_first:
            driver()
        for pid, fields in self._descendants().items():
            label = self.labels.setdefault(pid, _label(pid))
            if label.startswith("tool:"):
                label = "driver subprocesses"
            cpu[label] = cpu.get(label, 0.0) + _cpu(fields)
        counts = self._counts()
        if not driver_first:
            driver()
        return Snapshot(cpu, counts)


def _group(label: str) -> str:
    """driver (the people at their browsers), services, or tools (the `rto` CLI processes)."""
    if label == "driver":
        return "driver"
    return "tools" if label.startswith("tool:") or label == "driver subprocesses" else "services"


def _per_op(counts: dict[str, int], group: str | None = None) -> dict[str, int]:
    """Counts by operation, over every group or one."""
    totals: dict[str, int] = {}
    for key, n in counts.items():
        owner, op = key.split("/", 1)
        if group in (None, owner):
            totals[op] = totals.get(op, 0) + n
    return totals


def _delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    return {k: after.get(k, 0) - before.get(k, 0) for k in after.keys() | before.keys()}


# --- unit costs, measured in this run ----------------------------------------------------------


def _unit(run: Callable[[int], None], loops: int, repeats: int = 3) -> float:
    """CPU seconds per operation, the best of `repeats` batches (a floor, not an average)."""
    run(1)
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        run(loops)
        best = min(best, (time.process_time() - started) / loops)
    return best


def measure_units(work_dir: Path, loops: int) -> dict[str, float]:
    """CPU seconds per operation of each kind the floor counts."""
    import nacl.signing
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from common.eds import (
        CaRevocation,
        Identity,
        MockCA,
        TrustAnchors,
        async_sign_detached,
        async_validate_cms,
    )
    from common.ids import Sex, make_iin
    from common.service_auth import ServiceTokenVerifier, mint_service_token
    from common.service_keys import development_key

    ca = MockCA.open(work_dir / "pki")
    holder = ca.issue(Identity.individual(make_iin(date(1990, 1, 1), Sex.MALE, 77), "Бенч", "Тест"))
    document = os.urandom(20_000)  # the size of a lease or an application document
    trust, revocation = TrustAnchors.from_ca(ca), CaRevocation(ca)

    def sign_cms(n: int) -> None:
        async def go() -> None:
            for _ in range(n):
                await async_sign_detached(document, holder.sign)

        asyncio.run(go())

    # Every validation gets a signature it has not seen, as in the journey: a SignerInfo parsed
    # before is not parsed in full again (common.eds.cms), which would understate the floor.
    async def signed(count: int) -> list[tuple[bytes, bytes]]:
        docs = [document + index.to_bytes(4, "big") for index in range(count)]
        return [(await async_sign_detached(doc, holder.sign), doc) for doc in docs]

    fresh = iter(asyncio.run(signed(1 + 3 * loops)))  # what `_unit` runs: 1 + repeats × loops

    def validate(n: int) -> None:
        async def go() -> None:
            for cms, doc in [next(fresh) for _ in range(n)]:
                (report,) = await async_validate_cms(cms, doc, trust, revocation)
                assert report.passed

        asyncio.run(go())

    key = nacl.signing.SigningKey.generate()
    entry = os.urandom(400)
    signed = key.sign(entry)

    def ed_sign(n: int) -> None:
        for _ in range(n):
            key.sign(entry)

    def ed_verify(n: int) -> None:
        for _ in range(n):
            key.verify_key.verify(signed)

    service_key = development_key("portal")
    verifier = ServiceTokenVerifier("chain")
    token = mint_service_token(service_key, "chain")

    def jwt_mint(n: int) -> None:
        for _ in range(n):
            mint_service_token(service_key, "chain")

    def jwt_verify(n: int) -> None:
        for _ in range(n):
            verifier.verify(token)

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_sig = rsa_key.sign(document, padding.PKCS1v15(), hashes.SHA256())

    def rsa_sign(n: int) -> None:
        for _ in range(n):
            rsa_key.sign(document, padding.PKCS1v15(), hashes.SHA256())

    def rsa_verify(n: int) -> None:
        for _ in range(n):
            rsa_key.public_key().verify(rsa_sig, document, padding.PKCS1v15(), hashes.SHA256())

    def rsa_keygen(n: int) -> None:
        for _ in range(n):
            rsa.generate_private_key(public_exponent=65537, key_size=2048)

    from common.eds import keystore

    password = b"bench"
    sealed = keystore._serialize(holder.sign, password, "bench")

    def p12_seal(n: int) -> None:
        for _ in range(n):
            keystore._serialize(holder.sign, password, "bench")

    def p12_open(n: int) -> None:
        for _ in range(n):
            keystore._open_p12(sealed, password)

    fast = loops * 20  # microsecond operations need more rounds to register on the CPU clock
    return {
        "cms_sign": _unit(sign_cms, loops),
        "cms_validate_signers": _unit(validate, loops),
        "ed25519_sign": _unit(ed_sign, fast),
        "ed25519_verify": _unit(ed_verify, fast),
        "jwt_mint": _unit(jwt_mint, fast),
        "jwt_verify": _unit(jwt_verify, fast),
        "rsa_x509_sign": _unit(rsa_sign, fast),
        "rsa_verify": _unit(rsa_verify, fast),
        "rsa_keygen": _unit(rsa_keygen, max(2, loops // 5), repeats=1),
        "p12_seal": _unit(p12_seal, loops),
        "p12_open": _unit(p12_open, loops),
    }


def floor_seconds(counts: dict[str, int], units: dict[str, float]) -> dict[str, float]:
    """Per kind of operation: count × unit cost (RSA inside CMS validations is in their unit)."""
    return {op: counts.get(op, 0) * unit for op, unit in units.items()}


def raw_floor_seconds(counts: dict[str, int], units: dict[str, float]) -> float:
    """The bare primitives alone: one RSA signature per CMS signer, every RSA check and X.509
    signature inside the validations at raw speed, plus the Ed25519/JWT work and key generation.
    The distance between this and `floor_seconds` is the CMS toolkit's own overhead."""
    rsa_signs = (
        counts.get("cms_sign", 0)
        + counts.get("rsa_x509_sign", 0)
        + counts.get("rsa_x509_sign_in_validation", 0)
    )
    rsa_verifies = counts.get("rsa_verify", 0) + counts.get("rsa_verify_in_validation", 0)
    rest = ("ed25519_sign", "ed25519_verify", "jwt_mint", "jwt_verify", "rsa_keygen", "p12_seal", "p12_open")
    return (
        rsa_signs * units["rsa_x509_sign"]
        + rsa_verifies * units["rsa_verify"]
        + sum(counts.get(op, 0) * units[op] for op in rest)
    )


# --- the journey ---------------------------------------------------------------------------------


@dataclass
class StepCost:
    name: str
    wall_s: float
    cpu: dict[str, float]
    counts: dict[str, int]
    video_checks: list[StepCost] = field(default_factory=list)  # held during this step


def run_journey(data_dir: Path, tree: Tree) -> tuple[Any, list[StepCost]]:
    """The journey's steps, each with the video checks held during it."""
    from rich.console import Console

    from pilot.demo import stages23
    from pilot.demo.journey import Journey
    from pilot.demo.run import run_demo

    costs: list[StepCost] = []
    video_checks: list[StepCost] = []
    original_step = Journey.step
    original_video = stages23.hold_video_check

    def measured(action: Callable[[], Any], record: Callable[[float, Snapshot, Snapshot], None]) -> Any:
        before = tree.snapshot(driver_first=False)
        started = time.perf_counter()
        try:
            return action()
        finally:
            wall = time.perf_counter() - started
            record(wall, before, tree.snapshot(driver_first=True))

    def measured_step(journey: Journey, name: str, action: Callable[[], Any]) -> Any:
        runs = len(journey.results)

        def record(wall: float, before: Snapshot, after: Snapshot) -> None:
            held, video_checks[:] = video_checks[:], []
            if len(journey.results) > runs:  # a step that ran (not one skipped after a failure)
                costs.append(
                    StepCost(
                        name, wall, _delta(after.cpu, before.cpu), _delta(after.counts, before.counts), held
                    )
                )

        return measured(lambda: original_step(journey, name, action), record)

    def measured_video(*args: Any, **kwargs: Any) -> Any:
        def record(wall: float, before: Snapshot, after: Snapshot) -> None:
            video_checks.append(
                StepCost(
                    "video check", wall, _delta(after.cpu, before.cpu), _delta(after.counts, before.counts)
                )
            )

        return measured(lambda: original_video(*args, **kwargs), record)

    with (
        mock.patch.object(Journey, "step", measured_step),
        mock.patch.object(stages23, "hold_video_check", measured_video),
    ):
        journey = run_demo(data_dir=data_dir, console=Console(stderr=True), quiet=True)
    return journey, costs


def _r(value: float, digits: int = 3) -> float:
    return round(value, digits)


def _sum(costs: list[StepCost]) -> tuple[dict[str, float], dict[str, int]]:
    cpu: dict[str, float] = {}
    counts: dict[str, int] = {}
    for cost in costs:
        cpu = {k: cpu.get(k, 0.0) + v for k, v in cost.cpu.items()}
        counts = {k: counts.get(k, 0) + v for k, v in cost.counts.items()}
    return cpu, counts


def _part(
    cpu: dict[str, float], counts: dict[str, int], units: dict[str, float], groups: tuple[str, ...]
) -> dict[str, Any]:
    """Machine time, floor and ratio of some groups of processes (services, driver, tools)."""
    machine = sum(v for k, v in cpu.items() if _group(k) in groups)
    floor = sum(sum(floor_seconds(_per_op(counts, group), units).values()) for group in groups)
    return {
        "machine_s": _r(machine),
        "floor_s": _r(floor),
        "ratio": _r(machine / floor, 2) if floor else None,
    }


def report(
    journey: Any,
    costs: list[StepCost],
    units: dict[str, float],
    tool_processes: int,
) -> dict[str, Any]:
    ok_steps = [c for c, r in zip(costs, journey.results, strict=True) if r.ok]
    start, journey_steps = ok_steps[:1], ok_steps[1:]  # the first step starts every service
    cpu, grouped = _sum(journey_steps)
    video_checks = [check for step in journey_steps for check in step.video_checks]
    video_cpu, video_counts = _sum(video_checks)
    # The lifecycle: every step's services and driver, less the video checks inside the steps.
    life_cpu, life_counts = _delta(cpu, video_cpu), _delta(grouped, video_counts)
    lifecycle = _part(life_cpu, life_counts, units, ("services", "driver"))
    counts = _per_op(grouped)
    machine = sum(cpu.values())
    floor_parts = floor_seconds(counts, units)
    floor = sum(floor_parts.values())
    failed = next((r for r in journey.results if not r.ok), None)
    raw = raw_floor_seconds(counts, units)
    tools = _part(cpu, grouped, units, ("tools",))
    return {
        "bench": "lifecycle",
        "scope": "lifecycle = services + the people (driver), outside the video checks and the "
        "outsider's checks; those two are reported apart (`parts`), the whole journey as `whole`",
        "journey": {
            "ok": journey.ok,
            "steps_measured": len(journey_steps),
            "failed_step": failed and {"name": failed.name, "error": (failed.error or "")[:300]},
            "wall_s": _r(sum(s.wall_s for s in journey_steps), 2),
        },
        "machine_s": lifecycle["machine_s"],
        "floor_s": lifecycle["floor_s"],
        "ratio": lifecycle["ratio"],
        "target_ratio": TARGET_RATIO,
        "met": lifecycle["ratio"] is not None and lifecycle["ratio"] <= TARGET_RATIO and journey.ok,
        "parts": {
            "lifecycle": lifecycle,
            "lifecycle_services": _part(life_cpu, life_counts, units, ("services",)),
            "lifecycle_driver": _part(life_cpu, life_counts, units, ("driver",)),
            "video_checks": {
                "count": len(video_checks),
                **_part(video_cpu, video_counts, units, ("services", "driver")),
                "machine_by_process_s": {
                    k: _r(v) for k, v in sorted(video_cpu.items(), key=lambda kv: -kv[1]) if v
                },
            },
            "outsider_checks": {
                "processes": tool_processes,
                **tools,
            },
        },
        "whole": {
            "machine_s": _r(machine),
            "floor_s": _r(floor),
            "ratio": _r(machine / floor, 2) if floor else None,
        },
        "machine_by_process_s": {k: _r(v) for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])},
        "startup_machine_s": _r(sum(sum(s.cpu.values()) for s in start)),
        "crypto_counts": counts,
        "unit_cost_ms": {k: _r(v * 1000, 4) for k, v in units.items()},
        "floor_by_operation_s": {k: _r(v, 4) for k, v in floor_parts.items() if v},
        "raw_primitives_floor_s": _r(raw),
        "ratio_to_raw_primitives": raw and _r(machine / raw, 1),
        "steps": [
            {
                "name": s.name,
                "wall_s": _r(s.wall_s),
                "machine_s": _r(sum(s.cpu.values())),
                "machine_by_process_s": {k: _r(v) for k, v in sorted(s.cpu.items()) if v >= 0.005},
                "floor_s": _r(sum(floor_seconds(_per_op(s.counts), units).values())),
                "counts": {k: v for k, v in _per_op(s.counts).items() if v},
                "video_checks_machine_s": _r(sum(sum(v.cpu.values()) for v in s.video_checks)),
            }
            for s in journey_steps
        ],
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1m": _r(os.getloadavg()[0], 2),
            "python": platform.python_version(),
            "date": datetime.now(UTC).date().isoformat(),
        },
    }


def wait_for_free_ports(within_s: float) -> None:
    """The demo runs on the fixed ports (DESIGN.md §2); another `rto up`/`rto demo` holding them
    would answer for ours, so wait for it to finish, and give up with a clear message."""
    from common.settings import SERVICE_PORTS
    from pilot.launcher import port_free

    deadline = time.monotonic() + within_s
    while True:
        busy = [f"{name}:{port}" for name, port in SERVICE_PORTS.items() if not port_free(port)]
        if not busy:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"ports in use by another run ({', '.join(busy)}); stop it and retry")
        time.sleep(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench" / "lifecycle")
    parser.add_argument("--loops", type=int, default=30, help="rounds per unit-cost measurement")
    parser.add_argument("--wait-ports", type=float, default=300, help="seconds to wait for 8000–8005")
    args = parser.parse_args()
    wait_for_free_ports(args.wait_ports)
    data_dir = args.data_dir.resolve()
    counts_dir = data_dir.with_name(data_dir.name + "-counts")
    shutil.rmtree(counts_dir, ignore_errors=True)
    tree = Tree(counts_dir, _install_probe(counts_dir))
    journey, costs = run_journey(data_dir, tree)
    units = measure_units(data_dir.with_name(data_dir.name + "-units"), args.loops)
    print(json.dumps(report(journey, costs, units, tree.tool_processes()), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
