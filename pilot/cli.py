"""`rto` — the command line of the pilot: run it, demo it, issue development keys, sign and
verify documents, append to and verify the chain, emulate NCALayer, benchmark."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import click
import typer
from rich.console import Console
from typer.core import TyperGroup

from common.logs import quiet_expected_warnings
from pilot.bench_cli import bench

__all__ = ["app"]

# Sub-commands imported on first use: an auditor's `rto verify` or `rto chain verify` is a fresh
# process each time, and importing every service, web server and the demo cost ~2 CPU s apiece.
_LAZY = {
    "keys": ("pilot.eds_cli", "keys_app"),
    "eds": ("pilot.eds_cli", "eds_app"),
    "chain": ("pilot.chain_cli", "app"),
    "verify": ("pilot.verify_cli", "verify"),
}


class _LazyGroup(TyperGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *_LAZY]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _LAZY:
            return super().get_command(ctx, cmd_name)
        module, attribute = _LAZY[cmd_name]
        target = getattr(importlib.import_module(module), attribute)
        if isinstance(target, typer.Typer):  # a sub-app, as `add_typer` would mount it
            command: click.Command = typer.main.get_group(target)
        else:  # a plain function: a one-command app is that command
            single = typer.Typer(add_completion=False)
            single.command(cmd_name)(target)
            command = typer.main.get_command(single)
        command.name = cmd_name
        return command


app = typer.Typer(cls=_LazyGroup, help=__doc__, no_args_is_help=True, add_completion=False)
quiet_expected_warnings()
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
    from pilot.launcher import Launcher, distributed_environment, ensure_postgres_databases

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
    from pilot.launcher import Launcher, distributed_environment, ensure_postgres_databases

    ensure_postgres_databases(postgres_url)
    env = distributed_environment(postgres_url, redis_url)
    os.environ.update(env)
    Launcher(distributed=True, env=env).migrate()
    typer.echo("migrated: " + ", ".join(k for k in env if k.endswith("DATABASE_URL")))


@app.command()
def signer(
    p12: list[Path] = typer.Option(..., exists=True, dir_okay=False, help="PKCS#12 key store (repeatable)"),
    password: str = typer.Option(..., prompt=True, hide_input=True),
    port: int | None = typer.Option(None, help="default 13579, where NCALayer listens"),
    plain_ws: bool = typer.Option(False, "--plain-ws", help="ws:// instead of wss:// (tests only)"),
) -> None:
    """A local NCALayer emulator: pages sign through it with keys made by `rto keys`."""
    from pilot.signer import DEFAULT_PORT, run_signer

    run_signer(p12, password, DEFAULT_PORT if port is None else port, plain_ws)


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
    from pilot.demo.run import run_demo

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
