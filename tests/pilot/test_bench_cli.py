"""`rto bench --only portal --quick`: the portal and its peers start as processes, users log in
with EDS, the load runs, and the figures land in results.json and in the printed table."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from pilot.bench_cli import bench


def test_quick_portal_bench_writes_its_figures(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(bench)
    app.command("noop")(lambda: None)  # two commands: typer then routes `bench` by name

    result = CliRunner().invoke(app, ["bench", "--only", "portal", "--quick", "--out", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert "portal API p99 (ms)" in result.output
    stored = json.loads((tmp_path / "results.json").read_text())
    portal = stored["benches"]["portal"]
    assert portal["quick"] is True
    figures = portal["result"]
    assert figures["bench"] == "portal_api"
    assert figures["requests"] > 0
    assert figures["errors"] == 0, figures["error_detail"]
    assert 0 < figures["p50_ms"] <= figures["p99_ms"]
    assert figures["eds_login_ms_p50"] > 0
    assert {"GET /v1/me", "GET /v1/applications/{id}/schedule", "PUT /v1/applications/{id}/form"} <= set(
        figures["by_endpoint"]
    )
