"""`rto chain append|verify|witness` — operate and audit the chain from outside the service."""

from __future__ import annotations

import json
import mimetypes
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from fastapi import FastAPI

    from common.log_verify import TrustedKeys
    from common.witness import Witness

__all__ = ["app"]

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
# Each command imports what it uses: an auditor's `rto chain verify --url` is a fresh process that
# needs neither the web framework nor the database layer.
_PAGE = 1000


def _pairs(values: list[str], flag: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key or not rest:
            raise typer.BadParameter(f"expected KEY=VALUE, got {value!r}", param_hint=flag)
        pairs.append((key, rest))
    return pairs


@app.command()
def append(
    kind: str = typer.Option(..., "--kind", help="entry kind, e.g. lease.signed"),
    doc: Path = typer.Option(
        ..., "--doc", exists=True, dir_okay=False, help="the document the entry is about"
    ),
    submitter: str = typer.Option(..., "--as", help="submitting service (its development key signs)"),
    ref: list[str] = typer.Option([], "--ref", help="KEY=VALUE opaque id (repeatable)"),
    evidence: list[str] = typer.Option([], "--evidence", help="TYPE=FILE, e.g. cms=lease.p7s (repeatable)"),
    media_type: str | None = typer.Option(None, "--media-type", help="default: guessed from --doc"),
    url: str | None = typer.Option(None, "--url", help="chain service (default: this installation's)"),
) -> None:
    """Append one entry as SERVICE and print {"index", "leaf_hash"} as JSON."""
    from chain.client import ChainClient, sha256_hex
    from common.http_client import ServiceError
    from common.service_keys import development_key
    from common.settings import service_url

    items = [
        {"type": t, "sha256": sha256_hex(Path(f).read_bytes())} for t, f in _pairs(evidence, "--evidence")
    ]
    guessed = media_type or mimetypes.guess_type(doc.name)[0] or "application/octet-stream"
    with ChainClient(url or service_url("chain"), caller_key=development_key(submitter)) as client:
        try:
            result = client.append(
                kind=kind,
                ref=dict(_pairs(ref, "--ref")),
                doc_sha256=sha256_hex(doc.read_bytes()),
                media_type=guessed,
                evidence=items,
            )
        except ServiceError as exc:
            typer.echo(json.dumps(exc.problem, ensure_ascii=False), err=True)
            raise typer.Exit(2) from None
    typer.echo(json.dumps(result.model_dump()))


def _db_rows(url: str) -> tuple[Iterator[tuple[int, bytes, bytes | None]], str | None]:
    # Read-only use of the chain's own tables: an auditor holding a copy of the database.
    from chain import repository as repo
    from common.db import make_engine

    engine = make_engine(url if "://" in url else f"sqlite:///{Path(url).resolve()}")
    with engine.connect() as conn:
        published = repo.latest_published(conn)

    def rows() -> Iterator[tuple[int, bytes, bytes | None]]:
        start = 0
        try:
            while True:
                with engine.connect() as conn:
                    page = repo.entries_between(conn, start, start + 10 * _PAGE)
                if not page:
                    return
                yield from page
                start = page[-1][0] + 1
        finally:
            engine.dispose()

    return rows(), published.cosigned_note if published else None


def _url_rows(url: str) -> tuple[Iterator[tuple[int, bytes, bytes | None]], str | None]:
    import httpx

    http = httpx.Client(base_url=url, timeout=30)
    response = http.get("/v1/checkpoint")
    note = response.text if response.status_code == 200 else None

    def rows() -> Iterator[tuple[int, bytes, bytes | None]]:
        start = 0
        while True:
            page = http.get("/v1/entries", params={"start": start, "end": start + _PAGE})
            page.raise_for_status()
            lines = page.content.splitlines()
            if not lines:
                return
            for offset, line in enumerate(lines):
                yield start + offset, line, None
            start += len(lines)

    return rows(), note


def _keys(keys_file: Path | None, url: str | None) -> TrustedKeys:
    import httpx

    from chain.keys import development_log_keys
    from common.log_verify import TrustedKeys

    if keys_file is not None:
        return TrustedKeys.from_json(json.loads(keys_file.read_text()))
    if url is not None:
        typer.echo("note: trusting the keys the log serves; pin them with --keys FILE", err=True)
        return TrustedKeys.from_json(httpx.get(f"{url}/v1/keys", timeout=10).raise_for_status().json())
    return TrustedKeys.from_json(development_log_keys())


@app.command()
def verify(
    url: str | None = typer.Option(None, "--url", help="a running chain service"),
    db: str | None = typer.Option(None, "--db", help="the chain's database: a SQLite file or a database URL"),
    keys: Path | None = typer.Option(None, "--keys", exists=True, dir_okay=False, help="pinned keys (JSON)"),
) -> None:
    """Re-check the whole log; on tamper print the first bad index and exit 1."""
    from common.log_verify import verify_log

    if (url is None) == (db is None):
        raise typer.BadParameter("give exactly one of --url and --db")
    rows, note = _url_rows(url.rstrip("/")) if url else _db_rows(db or "")
    report = verify_log(rows, note, _keys(keys, url))
    typer.echo(json.dumps(report.to_dict(), indent=2))
    if not report.ok:
        bad = report.first_bad_index
        typer.echo(f"TAMPERED: first bad index {bad}" if bad is not None else "FAILED", err=True)
        raise typer.Exit(1)


def witness_app(witness: Witness) -> FastAPI:
    from fastapi import FastAPI

    from common.witness_http import witness_router

    server = FastAPI(title=f"tlog-witness {witness.cosigner.name}")
    server.include_router(witness_router(witness))

    @server.get("/vkey", summary="This witness's cosigner verifier key")
    def vkey() -> dict[str, Any]:
        return {"vkey": witness.cosigner.verifier.vkey}

    return server


@app.command()
def witness(
    name: str = typer.Option(
        "housing-company", "--name", help="witness name (development key derived from it)"
    ),
    key: str | None = typer.Option(
        None, "--key", envvar="RTO_WITNESS_KEY", help="signer key PRIVATE+KEY+..."
    ),
    log_vkey: list[str] = typer.Option([], "--log", help="vkey of a log to witness (repeatable)"),
    state: Path | None = typer.Option(
        None, "--state", help="state file (default: <data dir>/witness-NAME.json)"
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8010, "--port"),
) -> None:
    """Run a C2SP tlog-witness (POST /add-checkpoint) for the chain, as any organisation can."""
    import uvicorn

    from chain.keys import development_witness_signer, log_signer
    from common.notes import SIG_COSIGNATURE_V1, Signer, Verifier
    from common.settings import data_dir
    from common.witness import JsonFileWitnessStore, Witness

    cosigner = Signer.from_skey(key, SIG_COSIGNATURE_V1) if key else development_witness_signer(name)
    logs = [Verifier.from_vkey(v) for v in log_vkey] or [log_signer().verifier]
    store = JsonFileWitnessStore(state or data_dir() / f"witness-{name}.json")
    server = witness_app(Witness(cosigner, {v.name: [v] for v in logs}, store))
    typer.echo(f"witness {cosigner.verifier.vkey} on http://{host}:{port}/add-checkpoint", err=True)
    sys.stdout.flush()
    uvicorn.run(server, host=host, port=port, log_level="warning")
