"""The witnesses a checkpoint goes to: embedded ones (mounted in this process, called directly)
and external ones (any organisation's tlog-witness over HTTP). Both answer `add_checkpoint` with
cosignature lines or raise `common.witness` errors (Conflict carries the witness's size)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from common.http_client import shared_http
from common.notes import Signer, Verifier
from common.witness import Conflict, JsonFileWitnessStore, Witness, WitnessError

__all__ = [
    "EmbeddedPeer",
    "HttpPeer",
    "WitnessPeer",
    "add_checkpoint_body",
    "embedded_witness",
]


class WitnessPeer(Protocol):
    @property
    def verifier(self) -> Verifier: ...

    def add_checkpoint(self, body: str) -> str: ...


def add_checkpoint_body(old_size: int, proof: Sequence[bytes], signed_note: str) -> str:
    lines = [f"old {old_size}", *(base64.b64encode(h).decode() for h in proof)]
    return "\n".join(lines) + "\n\n" + signed_note


def embedded_witness(signer: Signer, log_verifier: Verifier, state_dir: Path) -> Witness:
    """A witness of this log whose state is a JSON file under the chain's data directory."""
    store = JsonFileWitnessStore(state_dir / f"witness-{signer.name.rsplit('/', 1)[-1]}.json")
    return Witness(signer, {log_verifier.name: [log_verifier]}, store)


@dataclass(frozen=True)
class EmbeddedPeer:
    witness: Witness

    @property
    def verifier(self) -> Verifier:
        return self.witness.cosigner.verifier

    def add_checkpoint(self, body: str) -> str:
        return self.witness.add_checkpoint(body)


@dataclass(frozen=True)
class HttpPeer:
    """A witness elsewhere: `url` is its submission prefix (we POST `<url>/add-checkpoint`)."""

    verifier: Verifier
    url: str
    timeout_s: float = 2.0

    def add_checkpoint(self, body: str) -> str:
        try:
            response = shared_http().post(
                f"{self.url.rstrip('/')}/add-checkpoint", content=body, timeout=self.timeout_s
            )
        except httpx.HTTPError as exc:
            raise WitnessError(f"{self.url}: {type(exc).__name__}") from exc
        if response.status_code == 409:
            size = response.text.strip()
            if not (size.isascii() and size.isdigit()):  # tlog-witness: the body is its tree size
                raise WitnessError(f"{self.url}: 409 without a tree size: {response.text[:200]!r}")
            raise Conflict(int(size), "reported by the witness")
        if response.status_code != 200:
            raise WitnessError(f"{self.url}: {response.status_code} {response.text[:200]}")
        return response.text
