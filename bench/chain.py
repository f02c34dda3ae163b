# ruff: noqa: E402  (imports follow the sys.path fix below)
"""Chain benchmark (not a test): prints JSON figures for docs/performance.md.

    .venv/bin/python bench/chain.py [--entries 20000] [--proof-size 1000000] [--http-seconds 8]
                                    [--pg postgresql://postgres@127.0.0.1:5432] [--skip-pg] [--skip-http]

1. durable appends/s through the sequencer (admission incl. the submitter's Ed25519 signature,
   group commit, Merkle integration) on SQLite and PostgreSQL, from concurrent submitters;
2. appends/s over HTTP from concurrent single-entry clients (uvicorn, uvloop + httptools);
3. inclusion-proof latency p50/p99 from the database at `--proof-size` entries;
4. whole-log verification entries/s (`common.log_verify.verify_log`);
5. the same append-and-prove workload on pymerkle's SqliteTree, and our speed-up over it.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name shadows the `chain`
# package; put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import asyncio
import json
import os
import random
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import orjson
import psycopg
from sqlalchemy.engine import Engine

from chain import repository as repo
from chain.keys import development_log_keys, development_witness_signer, log_signer, submitter_jwks
from chain.publisher import publish_once
from chain.sequencer import Admitted, Sequencer, body_hash, write_batch
from chain.service import ChainLog, SubmitterKeys, admit
from common.canonical import fast_canonical_bytes
from common.db import make_engine
from common.entries import build_body, sign_body
from common.log_verify import TrustedKeys, verify_log
from common.merkle import inclusion_proof
from common.migrations import upgrade
from common.service_auth import mint_service_token
from common.service_keys import development_key

WITNESSES = ("housing-company", "registrar", "credit-bureau")


def signed_payloads(n: int, tag: str) -> list[bytes]:
    """What submitters send: signed bodies (their signing cost is theirs, not the log's)."""
    key = development_key("consent")
    moment = datetime.now(UTC)
    out = []
    for i in range(n):
        body = build_body(
            kind="consent.granted",
            ref={"consent_id": f"{tag}-{i}", "application_id": f"app-{i % 997}"},
            doc_sha256=f"{i:064x}",
            media_type="application/pdf",
            evidence=[{"type": "cms", "sha256": f"{i + 1:064x}"}],
            submitter="consent",
            submitted_at=moment,
        )
        out.append(orjson.dumps({"body": body, "sig": sign_body(body, key)}))
    return out


def sequencer_rate(engine: Engine, payloads: list[bytes], submitters: int = 4) -> float:
    """Admission (parse, schema, signature) on submitter threads, one sequencer, group commit."""
    keys = SubmitterKeys(submitter_jwks())
    sequencer = Sequencer(engine, max_batch=4000, max_pending=len(payloads) + 1)
    sequencer.start()
    chunks = [payloads[i::submitters] for i in range(submitters)]

    def submit(chunk: list[bytes]) -> list:
        return [sequencer.submit(admit(raw, "consent", keys)) for raw in chunk]

    start = time.perf_counter()
    with ThreadPoolExecutor(submitters) as pool:
        futures = [f for part in pool.map(submit, chunks) for f in part]
    for future in futures:
        future.result(timeout=300)
    elapsed = time.perf_counter() - start
    sequencer.stop()
    return len(payloads) / elapsed


def sqlite_engine(directory: Path, name: str) -> tuple[Engine, str]:
    url = f"sqlite:///{directory / name}"
    upgrade("chain", url)
    return make_engine(url), url


def pg_engine(server: str) -> tuple[Engine, str, psycopg.Connection]:
    name = f"rto_chain_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(f"{server}/postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    upgrade("chain", url)
    return make_engine(url), name, admin


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


def synthetic_fill(engine: Engine, n: int) -> None:
    """A big tree fast (leaf contents do not matter for proof cost): the sequencer's own batches."""
    batch = 20000
    for start in range(0, n, batch):
        items = []
        for i in range(start, min(n, start + batch)):
            body = {"kind": "consent.granted", "ref": {"consent_id": str(i)}, "submitter": "consent"}
            items.append(
                Admitted(
                    body, {"alg": "Ed25519", "kid": "-", "value": "-"}, body_hash(fast_canonical_bytes(body))
                )
            )
        write_batch(engine, items)


def proof_latency(engine: Engine, size: int, samples: int = 3000) -> dict[str, float]:
    timings = []
    with engine.connect() as conn:
        store = repo.DbNodeStore(conn)
        for _ in range(samples):
            index = random.randrange(size)
            start = time.perf_counter()
            inclusion_proof(store, index, size)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "p50_ms": round(timings[len(timings) // 2], 3),
        "p99_ms": round(timings[int(len(timings) * 0.99)], 3),
        "proofs_per_s": round(samples / (sum(timings) / 1000)),
    }


def pymerkle_workload(directory: Path, payloads: list[bytes], proofs: int) -> dict[str, float]:
    from pymerkle import SqliteTree

    tree = SqliteTree(str(directory / "pymerkle.db"))
    start = time.perf_counter()
    for raw in payloads:
        tree.append_entry(raw)  # one durable commit per entry, like an unbatched append
    append_rate = len(payloads) / (time.perf_counter() - start)
    size = tree.get_size()
    timings = []
    for _ in range(proofs):
        index = random.randrange(1, size + 1)  # pymerkle counts leaves from 1
        t = time.perf_counter()
        tree.prove_inclusion(index, size)
        timings.append((time.perf_counter() - t) * 1000)
    tree.close()
    timings.sort()
    return {
        "entries": len(payloads),
        "appends_per_s": round(append_rate),
        "proof_p50_ms": round(timings[len(timings) // 2], 3),
        "proof_p99_ms": round(timings[int(len(timings) * 0.99)], 3),
    }


async def _http_clients(
    url: str, payloads: list[bytes], seconds: float, clients: int
) -> tuple[int, list[float]]:
    token = mint_service_token(development_key("consent"), "chain", lifetime_s=600)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    queue = iter(payloads)
    done = 0
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
            while time.perf_counter() < deadline:
                raw = next(queue, None)
                if raw is None:
                    return
                t = time.perf_counter()
                response = await http.post("/v1/entries", content=raw)
                if response.status_code in (200, 201):
                    done += 1
                    latencies.append((time.perf_counter() - t) * 1000)

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return done, [time.perf_counter() - start, *sorted(latencies)]


def http_rate(tmp: Path, payloads: list[bytes], seconds: float, clients: int = 64) -> dict[str, float]:
    port = 8790
    env = {
        **os.environ,
        "RTO_DATA_DIR": str(tmp / "http"),
        "CHAIN_RUN_PUBLISHER": "true",
    }
    server = subprocess.Popen(
        [
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
        ],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        done, stats = asyncio.run(_http_clients(url, payloads, seconds, clients))
    finally:
        server.terminate()
        server.wait(10)
    elapsed, latencies = stats[0], stats[1:]
    return {
        "clients": clients,
        "appends": done,
        "appends_per_s": round(done / elapsed),
        "p50_ms": round(latencies[len(latencies) // 2], 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)], 2) if latencies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--proof-size", type=int, default=1_000_000)
    parser.add_argument("--http-seconds", type=float, default=8.0)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    results: dict[str, object] = {"cpus": os.cpu_count(), "entries": args.entries}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        payloads = signed_payloads(args.entries, "a")

        engine, _ = sqlite_engine(tmp, "seq.db")
        results["sequencer_sqlite_appends_per_s"] = round(sequencer_rate(engine, payloads))
        rate, verified = verify_rate(engine, tmp)
        results["verify_entries_per_s"] = round(rate)
        results["verify_entries"] = verified
        results["proof_at_entries"] = {"size": args.entries, **proof_latency(engine, args.entries)}
        engine.dispose()

        if not args.skip_pg:
            pg, db_name, admin = pg_engine(args.pg)
            try:
                results["sequencer_postgres_appends_per_s"] = round(
                    sequencer_rate(pg, signed_payloads(args.entries, "p"))
                )
            finally:
                pg.dispose()
                admin.execute(f'DROP DATABASE "{db_name}" WITH (FORCE)')
                admin.close()

        if not args.skip_http:
            results["http"] = http_rate(
                tmp, signed_payloads(int(3000 * args.http_seconds), "h"), args.http_seconds
            )

        big, _ = sqlite_engine(tmp, "big.db")
        start = time.perf_counter()
        synthetic_fill(big, args.proof_size)
        results["integrate_entries_per_s"] = round(args.proof_size / (time.perf_counter() - start))
        results["proof_at_size"] = {"size": args.proof_size, **proof_latency(big, args.proof_size)}
        big.dispose()

        pm = pymerkle_workload(tmp, payloads[: min(len(payloads), 5000)], proofs=300)
        results["pymerkle_sqlitetree"] = pm
        ours = results["proof_at_entries"]
        results["speedup_vs_pymerkle"] = {
            "appends": round(results["sequencer_sqlite_appends_per_s"] / pm["appends_per_s"], 1),  # type: ignore[operator]
            "proof_p50": round(pm["proof_p50_ms"] / ours["p50_ms"], 1),  # type: ignore[index]
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
