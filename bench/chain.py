# ruff: noqa: E402  (imports follow the sys.path fix below)
"""Chain benchmark (not a test): prints JSON figures for docs/performance.md.

    .venv/bin/python bench/chain.py [--entries 20000] [--proof-size 1000000] [--http-seconds 8]
                                    [--http-clients 64] [--pg postgresql://postgres@127.0.0.1:5432]
                                    [--skip-pg] [--skip-http]

1. durable appends/s through the sequencer (admission, the submitter's Ed25519 signature checked,
   group commit, Merkle integration, commit before the answer) on SQLite and PostgreSQL, from
   concurrent submitter threads;
2. appends/s over HTTP from concurrent single-entry clients (each one keep-alive connection and
   one request in flight, as an outbox worker sends) against the service process started with
   uvicorn (uvloop, httptools), on its embedded SQLite database;
3. inclusion-proof latency p50/p99 from the database at `--proof-size` entries (the log is
   filled by a bulk path that builds exactly the sequencer's rows: `chain.sequencer.sequence` and
   `CompactRange.append` on validly signed bodies, inserted 50,000 per transaction without the
   per-batch lock and look-ups);
4. whole-log verification entries/s (`common.log_verify.verify_log`);
5. the same append-and-prove workload on pymerkle's SqliteTree and on ours, the speed-ups, and
   the ceiling that verifying one Ed25519 signature per append puts on our appends/s (measured in
   the same run).

The machine's load average is printed with the figures: on the shared 2-core machine the other
processes' load moves every figure.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name shadows the `chain`
# package; put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import asyncio
import base64
import json
import os
import random
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import psycopg
import uvloop
from nacl.bindings import crypto_sign, crypto_sign_open
from sqlalchemy.engine import Engine

from chain import repository as repo
from chain.keys import development_log_keys, development_witness_signer, log_signer, submitter_jwks
from chain.publisher import publish_once
from chain.sequencer import Admitted, Sequencer, body_hash, sequence
from chain.service import ChainLog, SubmitterKeys, admit
from common.db import make_engine
from common.entries import GENESIS_PREV, build_body, rfc3339, sign_body
from common.log_verify import TrustedKeys, verify_log
from common.merkle import CompactRange, inclusion_proof
from common.migrations import upgrade
from common.service_auth import mint_service_token
from common.service_keys import development_key

WITNESSES = ("housing-company", "registrar", "credit-bureau")
FILL_BATCH = 50_000


def _body(i: int, tag: str, moment: datetime) -> dict[str, Any]:
    return build_body(
        kind="consent.granted",
        ref={"consent_id": f"{tag}-{i}", "application_id": f"app-{i % 997}"},
        doc_sha256=f"{i:064x}",
        media_type="application/pdf",
        evidence=[{"type": "cms", "sha256": f"{i + 1:064x}"}],
        submitter="consent",
        submitted_at=moment,
    )


def signed_payloads(n: int, tag: str) -> list[bytes]:
    """What submitters send: signed bodies (their signing cost is theirs, not the log's)."""
    key = development_key("consent")
    moment = datetime.now(UTC)
    out = []
    for i in range(n):
        body = _body(i, tag, moment)
        out.append(orjson.dumps({"body": body, "sig": sign_body(body, key)}))
    return out


def percentiles(timings_ms: list[float]) -> dict[str, float]:
    timings_ms = sorted(timings_ms)
    return {
        "p50_ms": round(timings_ms[len(timings_ms) // 2], 3),
        "p99_ms": round(timings_ms[int(len(timings_ms) * 0.99)], 3),
    }


# --- 1. the sequencer -----------------------------------------------------------------------


def sequencer_rate(engine: Engine, payloads: list[bytes], submitters: int = 2) -> float:
    """Admission on submitter threads, one sequencer (signature checks, group commit). Each
    submitter runs an event loop and hands appends over as the HTTP route does
    (`submit_async`: one loop wake-up per committed batch)."""
    keys = SubmitterKeys(submitter_jwks())
    sequencer = Sequencer(engine, max_batch=4000, max_pending=len(payloads) + 1)
    sequencer.start()
    chunks = [payloads[i::submitters] for i in range(submitters)]

    async def submit_all(chunk: list[bytes]) -> int:
        futures = [sequencer.submit_async(admit(raw, "consent", keys)) for raw in chunk]
        return sum(appended.created for appended in await asyncio.gather(*futures))

    def submit(chunk: list[bytes]) -> int:
        return uvloop.run(submit_all(chunk))

    start = time.perf_counter()
    with ThreadPoolExecutor(submitters) as pool:
        created = sum(pool.map(submit, chunks))
    elapsed = time.perf_counter() - start
    sequencer.stop()
    assert created == len(payloads), f"{created} of {len(payloads)} appended"
    return len(payloads) / elapsed


def sqlite_engine(directory: Path, name: str) -> Engine:
    url = f"sqlite:///{directory / name}"
    upgrade("chain", url)
    return make_engine(url)


def pg_database(server: str) -> tuple[Engine, Callable[[], None]]:
    name = f"rto_chain_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(f"{server}/postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    upgrade("chain", f"{server}/{name}")
    engine = make_engine(f"{server}/{name}")

    def drop() -> None:
        engine.dispose()
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()

    return engine, drop


# --- 2. HTTP ----------------------------------------------------------------------------------


async def _http_clients(
    port: int, payloads: list[bytes], seconds: float, clients: int
) -> tuple[int, float, list[float], dict[int, int]]:
    """Single-entry clients: each keeps one connection and one POST in flight, like an outbox
    worker. Plain asyncio streams: the load generator shares the 2 cores with the server, and
    httpx spends ~10× more CPU per request than this."""
    token = mint_service_token(development_key("consent"), "chain", lifetime_s=600)
    head = (
        f"POST /v1/entries HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nX-Correlation-Id: chain-bench\r\nContent-Length: "
    ).encode()
    queue = iter(payloads)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline and (raw := next(queue, None)) is not None:
                t = time.perf_counter()
                writer.write(b"%s%d\r\n\r\n%s" % (head, len(raw), raw))
                status = int((await reader.readline()).split(b" ", 2)[1])
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    latencies.append((time.perf_counter() - t) * 1000)
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return len(latencies), time.perf_counter() - start, latencies, statuses


def http_rate(tmp: Path, seconds: float, clients: int, workers: int) -> dict[str, Any]:
    port = 8790
    env = {**os.environ, "RTO_DATA_DIR": str(tmp / "http"), "CHAIN_RUN_PUBLISHER": "true"}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "chain.main:create_app",
        "--factory",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
        "--workers",
        str(workers),
    ]
    payloads = signed_payloads(int(4000 * seconds), "h")
    server = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        done, elapsed, latencies, statuses = uvloop.run(_http_clients(port, payloads, seconds, clients))
        last = httpx.get(f"{url}/v1/entries/{done - 1}")
    finally:
        server.terminate()
        server.wait(20)
    assert last.status_code == 200, "the acknowledged appends are in the log"
    return {
        "clients": clients,
        "uvicorn_workers": workers,
        "appends": done,
        "statuses": statuses,
        "appends_per_s": round(done / elapsed),
        **percentiles(latencies),
    }


# --- 3. proofs at 1M --------------------------------------------------------------------------


def _signed_bodies(bounds: tuple[int, int, str]) -> list[tuple[bytes, str]]:
    """Canonical bytes and signature of consent bodies [start, stop) (in worker processes; bytes
    cross the process boundary far cheaper than dicts)."""
    start, stop, tag = bounds
    key = development_key("consent")
    secret = bytes(key.signing_key) + key.public_bytes
    moment = datetime(2026, 11, 1, tzinfo=UTC)
    out = []
    for i in range(start, stop):
        canonical = orjson.dumps(_body(i, tag, moment), option=orjson.OPT_SORT_KEYS)
        out.append((canonical, base64.b64encode(crypto_sign(canonical, secret)[:64]).decode()))
    return out


def bulk_fill(engine: Engine, n: int) -> float:
    """n entries as the sequencer would write them (same `sequence` and Merkle integration),
    FILL_BATCH per transaction; bodies are signed in worker processes. Returns entries/s."""
    kid = development_key("consent").kid
    compact = CompactRange()
    prev, size = GENESIS_PREV, 0
    start = time.perf_counter()
    bounds = [(i, min(n, i + FILL_BATCH), "fill") for i in range(0, n, FILL_BATCH)]
    with ProcessPoolExecutor(2) as pool:
        for signed in pool.map(_signed_bodies, bounds):
            items = [
                Admitted(orjson.loads(c), {"alg": "Ed25519", "kid": kid, "value": v}, body_hash(c), b"", b"")
                for c, v in signed
            ]
            batch = sequence(items, size, prev, rfc3339(datetime.now(UTC)), {}, {})
            nodes, _ = compact.append(batch.leaves)
            with engine.begin() as conn:
                # A bigger page cache for the random body-hash index inserts (connection setting).
                conn.exec_driver_sql("PRAGMA cache_size = -262144")
                repo.insert_entries(conn, batch.rows)
                repo.insert_nodes(conn, nodes)
            size += len(batch.rows)
            prev = batch.leaves[-1].hex()
    return n / (time.perf_counter() - start)


def proof_latency(engine: Engine, size: int, samples: int = 3000, rounds: int = 3) -> dict[str, Any]:
    """`inclusion_proof` from the database (one indexed query per proof) for random leaves, in
    `rounds` rounds; the figures are the median round's (a p99 on a shared 2-core machine moves
    with the neighbours' load), every round is listed."""
    measured = []
    with engine.connect() as conn:
        store = repo.DbNodeStore(conn)
        for _ in range(200):  # warm the statement cache and the pages a proof touches first
            inclusion_proof(store, random.randrange(size), size)
        for _ in range(rounds):
            timings = []
            for _ in range(samples):
                index = random.randrange(size)
                start = time.perf_counter()
                inclusion_proof(store, index, size)
                timings.append((time.perf_counter() - start) * 1000)
            measured.append({**percentiles(timings), "proofs_per_s": round(samples / (sum(timings) / 1000))})
    median = sorted(measured, key=lambda r: r["p99_ms"])[len(measured) // 2]
    return {**median, "rounds": measured}


# --- 4. verification --------------------------------------------------------------------------


def verify_rate(engine: Engine, tmp: Path) -> tuple[float, int]:
    log = ChainLog.build(
        engine,
        log_signer(),
        submitter_jwks(),
        witness_signers=[development_witness_signer(w) for w in WITNESSES],
        witness_dir=tmp / f"w-{uuid.uuid4().hex[:6]}",
    )
    publish_once(engine, log.signer, log.peers, quorum=2)
    with engine.connect() as conn:
        rows = repo.entries_between(conn, 0, 10**9)
        note = repo.latest_published(conn).cosigned_note  # type: ignore[union-attr]
    keys = TrustedKeys.from_json(development_log_keys())
    start = time.perf_counter()
    report = verify_log(rows, note, keys)
    elapsed = time.perf_counter() - start
    assert report.ok, report.problems
    return report.entries / elapsed, report.entries


# --- 5. pymerkle ------------------------------------------------------------------------------


def pymerkle_workload(directory: Path, payloads: list[bytes], proofs: int) -> dict[str, float]:
    from pymerkle import SqliteTree

    tree = SqliteTree(str(directory / "pymerkle.db"))
    start = time.perf_counter()
    for raw in payloads:
        tree.append_entry(raw)  # one durable commit per entry, like an unbatched append
    appending = time.perf_counter() - start
    size = tree.get_size()
    timings = []
    for _ in range(proofs):
        index = random.randrange(1, size + 1)  # pymerkle counts leaves from 1
        t = time.perf_counter()
        tree.prove_inclusion(index, size)
        timings.append((time.perf_counter() - t) * 1000)
    tree.close()
    return _workload(len(payloads), appending, timings)


def our_workload(engine: Engine, payloads: list[bytes], proofs: int) -> dict[str, float]:
    rate = sequencer_rate(engine, payloads)
    size = len(payloads)
    timings = []
    with engine.connect() as conn:
        store = repo.DbNodeStore(conn)
        for _ in range(proofs):
            index = random.randrange(size)
            t = time.perf_counter()
            inclusion_proof(store, index, size)
            timings.append((time.perf_counter() - t) * 1000)
    return _workload(size, size / rate, timings)


def signature_ceiling(payloads: list[bytes]) -> dict[str, int]:
    """What Ed25519 alone allows: every append we take is one submitter signature to verify
    (pymerkle checks none), measured now on one thread; two cores verify at most twice that
    with nothing else running."""
    keys = SubmitterKeys(submitter_jwks())
    items = [admit(raw, "consent", keys) for raw in payloads]
    start = time.perf_counter()
    for item in items:
        crypto_sign_open(item.signed, item.public_key)
    one_core = len(items) / (time.perf_counter() - start)
    return {
        "ed25519_verifies_per_s_one_core": round(one_core),
        "appends_per_s_ceiling_all_cores": round(one_core * (os.cpu_count() or 1)),
    }


def _workload(entries: int, appending_s: float, proof_ms: list[float]) -> dict[str, float]:
    return {
        "entries": entries,
        "appends_per_s": round(entries / appending_s),
        "proof_p50_ms": percentiles(proof_ms)["p50_ms"],
        "proof_p99_ms": percentiles(proof_ms)["p99_ms"],
        "workload_s": round(appending_s + sum(proof_ms) / 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--proof-size", type=int, default=1_000_000)
    parser.add_argument("--http-seconds", type=float, default=8.0)
    parser.add_argument("--http-clients", type=int, default=64)
    parser.add_argument("--http-workers", type=int, default=1)
    parser.add_argument("--pymerkle-entries", type=int, default=5000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "entries": args.entries,
    }
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)

        engine = sqlite_engine(tmp, "seq.db")
        results["sequencer_sqlite_appends_per_s"] = round(
            sequencer_rate(engine, signed_payloads(args.entries, "a"))
        )
        rate, verified = verify_rate(engine, tmp)
        results["verify_entries_per_s"] = round(rate)
        results["verify_entries"] = verified
        results["proof_at_entries"] = {"size": args.entries, **proof_latency(engine, args.entries)}
        engine.dispose()

        if not args.skip_pg:
            pg, drop = pg_database(args.pg)
            try:
                results["sequencer_postgres_appends_per_s"] = round(
                    sequencer_rate(pg, signed_payloads(args.entries, "p"))
                )
            finally:
                drop()

        if not args.skip_http:
            results["http"] = http_rate(tmp, args.http_seconds, args.http_clients, args.http_workers)

        big = sqlite_engine(tmp, "big.db")
        results["proof_fill"] = (
            "bulk path: chain.sequencer.sequence + CompactRange.append on validly signed bodies, "
            f"{FILL_BATCH} entries per transaction (the sequencer's rows, without its per-batch lock "
            "and look-ups)"
        )
        results["proof_fill_entries_per_s"] = round(bulk_fill(big, args.proof_size))
        results["proof_at_size"] = {"size": args.proof_size, **proof_latency(big, args.proof_size)}
        big.dispose()

        payloads = signed_payloads(args.pymerkle_entries, "m")
        pm = pymerkle_workload(tmp, payloads, proofs=500)
        ours = our_workload(sqlite_engine(tmp, "same.db"), payloads, proofs=500)
        results["same_workload"] = {
            "what": f"append {len(payloads)} signed entries durably, then 500 inclusion proofs (SQLite)",
            "pymerkle_sqlitetree": pm,
            "ours": ours,
        }
        results["speedup_vs_pymerkle"] = {
            "workload": round(pm["workload_s"] / ours["workload_s"], 1),
            "appends": round(ours["appends_per_s"] / pm["appends_per_s"], 1),
            "proof_p50": round(pm["proof_p50_ms"] / ours["proof_p50_ms"], 1),
            "appends_per_s_for_20x": 20 * pm["appends_per_s"],
            **signature_ceiling(payloads),
        }
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["bench_seconds"] = round(time.perf_counter() - began)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
