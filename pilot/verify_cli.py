"""`rto verify --receipt R [--doc D --cms C] [--keys FILE]` — check a receipt offline.

No server is asked anything: the receipt carries the entry, its audit path and the cosigned
checkpoint; the keys are pinned (`--keys`, the chain's `/v1/keys` document, or the development
keys); the document and CMS are matched against the entry's hashes, and with `--ca` the CMS is
validated (the entry's time serves as proof of existence of the signature).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer

from chain.keys import development_log_keys
from common.eds import RevocationData, TrustAnchors, strip_pem_armour, validate_cms
from common.log_verify import TrustedKeys, verify_evidence

__all__ = ["verify"]


def verify(
    receipt: Path = typer.Option(..., "--receipt", exists=True, dir_okay=False, help="a .tlog-proof receipt"),
    doc: Path | None = typer.Option(None, "--doc", exists=True, dir_okay=False, help="the signed document"),
    cms: Path | None = typer.Option(None, "--cms", exists=True, dir_okay=False, help="its detached CMS"),
    keys: Path | None = typer.Option(None, "--keys", exists=True, dir_okay=False, help="pinned keys (JSON)"),
    ca: Path | None = typer.Option(None, "--ca", exists=True, dir_okay=False, help="trusted CA bundle (PEM)"),
    revocation: list[Path] = typer.Option(
        [], "--revocation", exists=True, help="CRL / OCSP files (repeatable)"
    ),
) -> None:
    """Verify a chain receipt offline (and the document and CMS it vouches for); exit 1 on failure."""
    pinned = TrustedKeys.from_json(json.loads(keys.read_text()) if keys else development_log_keys())
    text = receipt.read_text()
    doc_bytes = doc.read_bytes() if doc else None
    cms_bytes = cms.read_bytes() if cms else None
    validator = None
    if ca is not None:
        trust = TrustAnchors.from_file(ca)
        revocation_data = RevocationData.from_files(*revocation)

        def validator(cms_der: bytes, content: bytes) -> object:
            poe = _entry_time(text, pinned)
            return validate_cms(strip_pem_armour(cms_der), content, trust, revocation_data, poe_time=poe)

    report = verify_evidence(text, pinned, doc=doc_bytes, cms=cms_bytes, validate_cms=validator)
    typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str))
    if not report.ok:
        typer.echo("NOT VERIFIED: " + ", ".join(report.errors), err=True)
        raise typer.Exit(1)


def _entry_time(receipt_text: str, keys: TrustedKeys) -> datetime | None:
    entry = verify_evidence(receipt_text, keys).receipt.entry or {}
    moment = entry.get("time")
    return datetime.fromisoformat(moment.replace("Z", "+00:00")) if isinstance(moment, str) else None
