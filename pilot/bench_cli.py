"""`rto bench`: run the benchmarks in bench/ as subprocesses (each prints JSON), show the headline
figures against their targets, and keep everything in `<out>/results.json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["BENCHES", "Bench", "Which", "bench", "headlines"]

BENCH_DIR = Path(__file__).resolve().parents[1] / "bench"


class Which(StrEnum):
    chain = "chain"
    videoconf = "videoconf"
    lifecycle = "lifecycle"
    portal = "portal"


@dataclass(frozen=True)
class Figure:
    label: str
    path: str  # dotted path into the bench's JSON
    target: str = "—"
    # how to judge it: "≥ x" or "≤ x" against the measured number; None: reported only
    bound: tuple[str, float] | None = None

    def status(self, value: Any) -> str:
        if self.bound is None or not isinstance(value, int | float):
            return ""
        sign, limit = self.bound
        ok = value >= limit if sign == "≥" else value <= limit
        return "met" if ok else "not met"


@dataclass(frozen=True)
class Bench:
    script: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    timeout_s: int
    figures: tuple[Figure, ...]
    data_dir: bool = False  # takes --data-dir (a fresh directory under the output directory)


BENCHES: dict[Which, Bench] = {
    Which.chain: Bench(
        "chain.py",
        ("--entries", "20000", "--proof-size", "1000000", "--http-seconds", "5"),
        ("--entries", "500", "--proof-size", "2000", "--http-seconds", "1", "--skip-pg"),
        1800,
        (
            Figure("appends/s, sequencer, SQLite", "sequencer_sqlite_appends_per_s"),
            Figure(
                "appends/s, sequencer, PostgreSQL",
                "sequencer_postgres_appends_per_s",
                "≥ 10,000",
                ("≥", 10000),
            ),
            Figure("appends/s over HTTP", "http.appends_per_s", "≥ 1,500", ("≥", 1500)),
            Figure("inclusion proof p99 (ms), large log", "proof_at_size.p99_ms", "≤ 2", ("≤", 2)),
            Figure("whole-log verification, entries/s", "verify_entries_per_s", "≥ 20,000", ("≥", 20000)),
            Figure("speed-up over pymerkle, appends", "speedup_vs_pymerkle.appends", "≥ 20×", ("≥", 20)),
        ),
    ),
    Which.videoconf: Bench(
        "videoconf.py",
        ("--participants", "4", "--seconds", "10"),
        ("--participants", "2", "--seconds", "2"),
        600,
        (
            Figure(
                "room server CPU, % of a core (forwarding)",
                "results.forward.server_cpu_pct_of_one_core",
                "≤ 25",
                ("≤", 25),
            ),
            Figure("received fps per stream (forwarding)", "results.forward.received_fps_per_stream"),
        ),
    ),
    Which.lifecycle: Bench(
        "lifecycle.py",
        ("--loops", "30"),
        ("--loops", "3"),
        900,
        (
            Figure("lifecycle machine time ÷ cryptographic floor", "ratio", "≤ 3×", ("≤", 3)),
            Figure("lifecycle machine time (CPU s)", "machine_s"),
            Figure("cryptographic floor (CPU s)", "floor_s"),
            Figure("journey completed", "journey.ok"),
        ),
        data_dir=True,
    ),
    Which.portal: Bench(
        "portal_api.py",
        ("--users", "20", "--clients", "16", "--seconds", "20"),
        ("--users", "3", "--clients", "2", "--seconds", "2"),
        600,
        (
            Figure("portal API requests/s", "requests_per_s"),
            Figure("portal API p50 (ms)", "p50_ms"),
            Figure("portal API p99 (ms)", "p99_ms"),
            Figure("portal CPU per request (ms)", "portal_cpu_ms_per_request"),
            Figure("portal API errors", "errors", "0", ("≤", 0)),
        ),
        data_dir=True,
    ),
}


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def headlines(which: Which, result: dict[str, Any]) -> list[tuple[str, str, Any, str]]:
    """(figure, target, measured, status) rows for one bench's JSON."""
    if "error" in result:
        return [("run", "—", result["error"][-200:], "failed")]
    return [
        (f.label, f.target, _dig(result, f.path), f.status(_dig(result, f.path)))
        for f in BENCHES[which].figures
    ]


def _run(which: Which, quick: bool, out: Path) -> dict[str, Any]:
    spec = BENCHES[which]
    argv = [sys.executable, str(BENCH_DIR / spec.script), *(spec.quick if quick else spec.full)]
    if spec.data_dir:
        argv += ["--data-dir", str(out / which.value)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=spec.timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {spec.timeout_s} s"}
    if done.returncode != 0:
        return {"error": f"exit {done.returncode}: {done.stderr.strip()[-2000:]}"}
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"error": f"no JSON on stdout: {done.stdout[-500:]}"}


def bench(
    only: list[Which] = typer.Option([], "--only", help="run only these (repeatable); default: all"),
    quick: bool = typer.Option(False, "--quick", help="small sizes: a smoke run, not figures"),
    out: Path = typer.Option(Path("var/bench"), "--out", help="where results.json and the benches' data go"),
) -> None:
    """Benchmarks: the chain, the video room, the lifecycle against its crypto floor, the portal API."""
    console = Console()
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.json"
    stored: dict[str, Any] = json.loads(results_path.read_text()) if results_path.exists() else {}
    table = Table("bench", "figure", "target", "measured", "status", title="rto bench")
    failed = False
    for which in only or list(Which):
        with console.status(f"[bold]{which.value}[/] …"):
            result = _run(which, quick, out)
        failed |= "error" in result
        stored.setdefault("benches", {})[which.value] = {
            "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": quick,
            "result": result,
        }
        for label, target, value, status in headlines(which, result):
            colour = {"met": "green", "not met": "red", "failed": "red"}.get(status, "")
            shown = f"[{colour}]{status}[/]" if colour else status
            table.add_row(which.value, label, target, str(value), shown)
    stored["machine"] = {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2)}
    results_path.write_text(json.dumps(stored, ensure_ascii=False, indent=2))
    console.print(table)
    console.print(f"results: {results_path}")
    if failed:
        raise typer.Exit(1)
