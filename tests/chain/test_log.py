"""The log end to end: concurrent appenders get a gap-free, fork-free log whose proofs verify,
receipts verify offline, and `rto chain verify` names the entry a flipped byte changed."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import typer
from fastapi import FastAPI
from typer.testing import CliRunner

from chain.client import ChainClient, sha256_hex
from chain.db import get_engine
from chain.keys import development_log_keys
from common.checkpoint import Checkpoint
from common.log_verify import TrustedKeys, verify_evidence
from common.merkle import leaf_hash, verify_consistency, verify_inclusion
from common.notes import parse_note
from common.service_keys import development_key
from pilot.chain_cli import app as chain_cli
from pilot.verify_cli import verify as verify_command
from tests.chain.conftest import client_for
from tests.support.live import serve

runner = CliRunner()


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH written out recursively: an independent check of the stored tree."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _fill(url: str, per_service: int) -> list[int]:
    services = ["portal", "consent", "videoconf", "portal", "consent", "videoconf"]
    kinds = {"portal": "lease.signed", "consent": "consent.granted", "videoconf": "video.verified"}

    def work(n: int) -> list[int]:
        service = services[n]
        with client_for(url, service) as client:
            return [
                client.append(
                    kind=kinds[service],
                    ref={"application_id": f"app-{n}-{i}"},
                    doc_sha256=sha256_hex(f"{n}/{i}".encode()),
                    media_type="application/pdf",
                ).index
                for i in range(per_service)
            ]

    with ThreadPoolExecutor(len(services)) as pool:
        return [i for part in pool.map(work, range(len(services))) for i in part]


def _published(url: str, size: int) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        response = httpx.get(f"{url}/v1/checkpoint")
        if response.status_code == 200 and Checkpoint.from_text(parse_note(response.text).text).size >= size:
            return response.text
        time.sleep(0.1)
    raise AssertionError(f"no checkpoint of size {size} was published")


def test_concurrent_appenders_get_a_gap_free_fork_free_log_with_valid_proofs(chain_url: str) -> None:
    indices = _fill(chain_url, per_service=25)
    assert sorted(indices) == list(range(150))

    lines = httpx.get(f"{chain_url}/v1/entries", params={"start": 0, "end": 150}).content.splitlines()
    entries = [json.loads(line) for line in lines]
    leaves = [leaf_hash(line) for line in lines]
    assert [e["seq"] for e in entries] == list(range(150))
    assert all(entries[i]["prev"] == leaves[i - 1].hex() for i in range(1, 150))  # one chain, no forks

    note = _published(chain_url, 150)
    checkpoint = Checkpoint.from_text(parse_note(note).text)
    assert checkpoint.root_hash == _mth(leaves[: checkpoint.size])
    assert len(parse_note(note).signatures) >= 3  # the log and at least two witnesses

    for index in (0, 7, 64, 149):
        proof = httpx.get(f"{chain_url}/v1/proofs/inclusion", params={"index": index, "size": 150}).json()
        verify_inclusion(
            leaves[index], index, 150, [base64.b64decode(h) for h in proof["hashes"]], _mth(leaves)
        )
    for old in (1, 5, 64, 100):
        proof = httpx.get(f"{chain_url}/v1/proofs/consistency", params={"old": old, "new": 150}).json()
        hashes = [base64.b64decode(h) for h in proof["hashes"]]
        verify_consistency(old, 150, hashes, _mth(leaves[:old]), _mth(leaves))

    beyond = httpx.get(f"{chain_url}/v1/proofs/inclusion", params={"index": 150, "size": 150})
    assert (beyond.status_code, beyond.json()["code"]) == (422, "chain.index_out_of_range")
    too_big = httpx.get(f"{chain_url}/v1/proofs/consistency", params={"old": 1, "new": 151})
    assert too_big.json()["code"] == "chain.size_beyond_tree"

    result = runner.invoke(chain_cli, ["verify", "--url", chain_url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["entries"] == 150


def test_a_receipt_verifies_offline_with_its_document(portal: ChainClient, tmp_path: Path) -> None:
    document = b"%PDF-1.7 the lease"
    cms = b"0\x82 detached CMS"
    appended = portal.append(
        kind="lease.signed",
        ref={"application_id": "app-9"},
        doc_sha256=sha256_hex(document),
        media_type="application/pdf",
        evidence=[{"type": "cms", "sha256": sha256_hex(cms)}],
    )
    receipt = portal.receipt(appended.index)
    keys = TrustedKeys.from_json(development_log_keys())

    report = verify_evidence(receipt, keys, doc=document, cms=cms)
    assert report.ok, report.errors
    assert report.receipt.inclusion_ok
    assert len(report.receipt.witnesses) >= 2

    assert verify_evidence(receipt, keys, doc=b"%PDF-1.7 another lease").errors == ("doc_hash_mismatch",)
    forged = receipt.replace(f"index {appended.index}", f"index {appended.index + 1}")
    assert not verify_evidence(forged, keys).ok

    files = {"r.tlog-proof": receipt, "lease.pdf": document, "lease.p7s": cms}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content.encode() if isinstance(content, str) else content)
    cli = typer.Typer()
    cli.command()(verify_command)
    args = ["--receipt", str(tmp_path / "r.tlog-proof"), "--doc", str(tmp_path / "lease.pdf")]
    ok = runner.invoke(cli, [*args, "--cms", str(tmp_path / "lease.p7s")])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["inclusion_ok"] is True
    (tmp_path / "lease.pdf").write_bytes(b"%PDF-1.7 altered")
    assert runner.invoke(cli, args).exit_code == 1


@pytest.mark.parametrize("victim", [0, 17, 39])
def test_verify_db_names_the_entry_behind_a_single_flipped_byte(
    chain_app: FastAPI, fresh_data_dir: Path, victim: int
) -> None:
    with serve(chain_app) as url:
        with ChainClient(url, caller_key=development_key("portal")) as client:
            for i in range(40):
                client.append(
                    kind="lease.signed",
                    ref={"application_id": f"app-{i}"},
                    doc_sha256=sha256_hex(f"doc {i}".encode()),
                    media_type="application/pdf",
                )
        _published(url, 40)
    get_engine().dispose()
    database = fresh_data_dir / "chain.db"
    with sqlite3.connect(database) as db:  # fold the WAL into the file, as a backup would
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    clean = runner.invoke(chain_cli, ["verify", "--db", str(database)])
    assert clean.exit_code == 0, clean.output

    # Flip one bit of the database file itself, inside the victim's document hash.
    raw = bytearray(database.read_bytes())
    needle = sha256_hex(f"doc {victim}".encode()).encode()
    assert raw.count(needle) == 1
    raw[raw.index(needle) + 10] ^= 0x01
    database.write_bytes(bytes(raw))

    tampered = runner.invoke(chain_cli, ["verify", "--db", str(database)])
    assert tampered.exit_code == 1
    assert json.loads(tampered.stdout)["first_bad_index"] == victim, tampered.stdout
    assert f"first bad index {victim}" in tampered.stderr
