"""`rto` — the command line of the pilot: run it, demo it, issue development keys, sign and
verify documents, append to and verify the chain, emulate NCALayer, benchmark."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from rich.console import Console

from common.app import quiet_expected_warnings
from pilot import chain_cli, verify_cli
from pilot.bench_cli import bench
from pilot.demo.run import run_demo
from pilot.eds_cli import eds_app, keys_app
from pilot.launcher import Launcher, distributed_environment, ensure_postgres_databases
from pilot.signer import DEFAULT_PORT, run_signer

__all__ = ["app"]

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
quiet_expected_warnings()
app.add_typer(keys_app, name="keys")
app.add_typer(eds_app, name="eds")
app.add_typer(chain_cli.app, name="chain")
app.command("verify")(verify_cli.verify)
app.command("bench")(bench)

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


@app.command()
def up(
    distributed: bool = typer.Option(False, "--distributed", help="PostgreSQL + Redis + Celery workers"),
    postgres_url: str = typer.Option(
        DEFAULT_POSTGRES, envvar="RTO_POSTGRES_URL", help="server for --distributed"
    ),
    redis_url: str = typer.Option(DEFAULT_REDIS, envvar="REDIS_URL", help="broker for --distributed"),
) -> None:
    """Start every service on 127.0.0.1 (portal 8000 … stand-ins 8005) until Ctrl-C."""
    env: dict[str, str] = {}
    if distributed:
        ensure_postgres_databases(postgres_url)
        env = distributed_environment(postgres_url, redis_url)
    Launcher(distributed=distributed, env=env).run_forever()


@app.command()
def migrate(
    postgres_url: str = typer.Option(DEFAULT_POSTGRES, envvar="RTO_POSTGRES_URL"),
    redis_url: str = typer.Option(DEFAULT_REDIS, envvar="REDIS_URL"),
) -> None:
    """Create the per-service PostgreSQL databases and apply every service's migrations (one-shot)."""
    ensure_postgres_databases(postgres_url)
    env = distributed_environment(postgres_url, redis_url)
    os.environ.update(env)
    Launcher(distributed=True, env=env).migrate()
    typer.echo("migrated: " + ", ".join(k for k in env if k.endswith("DATABASE_URL")))


@app.command()
def signer(
    p12: list[Path] = typer.Option(..., exists=True, dir_okay=False, help="PKCS#12 key store (repeatable)"),
    password: str = typer.Option(..., prompt=True, hide_input=True),
    port: int = typer.Option(DEFAULT_PORT, help="NCALayer listens on 13579"),
    plain_ws: bool = typer.Option(False, "--plain-ws", help="ws:// instead of wss:// (tests only)"),
) -> None:
    """A local NCALayer emulator: pages sign through it with keys made by `rto keys`."""
    run_signer(p12, password, port, plain_ws)


@app.command()
def demo(
    as_json: bool = typer.Option(False, "--json", help="print a JSON summary instead of the progress"),
    data_dir: Path = typer.Option(Path("var/demo"), "--data-dir", help="wiped and re-created on every run"),
    distributed: bool = typer.Option(
        False, "--distributed", help="fresh PostgreSQL databases, Redis, Celery"
    ),
    postgres_url: str = typer.Option(DEFAULT_POSTGRES, envvar="RTO_POSTGRES_URL"),
    redis_url: str = typer.Option(DEFAULT_REDIS, envvar="REDIS_URL"),
    port_offset: int = typer.Option(0, "--port-offset", help="run the services this many ports higher"),
) -> None:
    """The whole pilot, end to end, through the HTTP APIs; exit 0 only when every step succeeded."""
    console = Console(stderr=as_json, emoji=False)
    journey = run_demo(
        data_dir=data_dir.resolve(),
        console=console,
        quiet=as_json,
        distributed=distributed,
        postgres_url=postgres_url,
        redis_url=redis_url,
        port_offset=port_offset,
    )
    if as_json:
        typer.echo(json.dumps(journey.summary(), ensure_ascii=False, indent=2, default=str))
    else:
        total = journey.summary()["seconds"]
        verdict = "[bold green]every step succeeded[/]" if journey.ok else "[bold red]the journey failed[/]"
        console.print(f"{verdict} — {len(journey.results)} steps in {total:.1f} s")
    if not journey.ok:
        raise typer.Exit(1)
