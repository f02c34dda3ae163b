"""Use cases of the chain service: admit and append, read entries and proofs, serve checkpoints,
receipts and keys. `ChainLog` holds the moving parts of one process (sequencer, publisher,
embedded witnesses) so the app, the CLI and the bench build them the same way."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from chain import repository as repo
from chain.domain.admission import AdmissionError, check_body, check_submitter
from chain.publisher import Publisher
from chain.schemas import LogKeys
from chain.sequencer import SIGNATURE_SIZE, Admitted, Sequencer, body_hash, entry_bytes
from chain.witnesses import EmbeddedPeer, HttpPeer, WitnessPeer, embedded_witness
from common.merkle import consistency_proof, inclusion_proof
from common.notes import Signer, Verifier
from common.problems import Problem
from common.tlog_proof import TlogProof
from common.witness import Witness

__all__ = ["ChainLog", "SubmitterKeys", "admit"]

MAX_ENTRY_PAGE = 1000


class SubmitterKeys:
    """Submitters' raw Ed25519 public keys by kid, built once from their JWKs."""

    def __init__(self, jwks: dict[str, dict[str, str]]) -> None:
        self._keys = {
            name: (jwk["kid"], base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4)))
            for name, jwk in jwks.items()
        }

    def get(self, service: str, kid: str) -> bytes:
        known = self._keys.get(service)
        if known is None or known[0] != kid:
            raise AdmissionError(422, "chain.key_unknown", f"{kid!r} is not a published key of {service!r}")
        return known[1]


def admit(raw: bytes, caller: str, keys: SubmitterKeys) -> Admitted:
    """The stateless checks: JSON shape, per-kind schema, submitter, its key and the signature's
    form. The Ed25519 check itself runs in the sequencer (`verify_signatures`), in parallel and
    off the event loop; nothing is appended before it passes."""
    try:
        submitted = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise AdmissionError(400, "chain.body_invalid", "the request is not JSON") from None
    if not isinstance(submitted, dict) or set(submitted) != {"body", "sig"}:
        raise AdmissionError(422, "chain.body_invalid", "expected {'body': ..., 'sig': ...}")
    body, sig = submitted["body"], submitted["sig"]
    check_body(body)
    check_submitter(body, caller)
    if not isinstance(sig, dict) or set(sig) != {"alg", "kid", "value"} or sig["alg"] != "Ed25519":
        raise AdmissionError(422, "chain.signature_invalid", "sig is {alg: Ed25519, kid, value}")
    if not all(isinstance(v, str) for v in sig.values()):
        raise AdmissionError(422, "chain.signature_invalid", "sig values are strings")
    key = keys.get(caller, sig["kid"])
    # check_body admits strings only, where sorted orjson is byte-identical to RFC 8785.
    canonical = entry_bytes(body)
    try:
        signature = base64.b64decode(sig["value"], validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    if len(signature) != SIGNATURE_SIZE:
        raise AdmissionError(422, "chain.signature_invalid", "sig.value is not a base64 Ed25519 signature")
    return Admitted(body, sig, body_hash(canonical), signature + canonical, key)


@dataclass
class ChainLog:
    """One process's log: its database, keys, witnesses, sequencer and publisher."""

    engine: Engine
    signer: Signer
    submitter_jwks: dict[str, dict[str, str]]
    embedded: dict[str, Witness] = field(default_factory=dict)
    external: list[HttpPeer] = field(default_factory=list)
    quorum: int = 2
    max_batch: int = 2000
    max_pending: int = 20000
    publish_interval_s: float = 0.5
    append_timeout_s: float = 15.0

    @classmethod
    def build(
        cls,
        engine: Engine,
        signer: Signer,
        submitter_jwks: dict[str, dict[str, str]],
        *,
        witness_signers: Sequence[Signer] = (),
        witness_dir: Path | None = None,
        external: Sequence[HttpPeer] = (),
        **options: Any,
    ) -> ChainLog:
        embedded = {}
        for ws in witness_signers:
            if witness_dir is None:
                raise ValueError("embedded witnesses need a state directory")
            embedded[ws.name.rsplit("/", 1)[-1]] = embedded_witness(ws, signer.verifier, witness_dir)
        return cls(engine, signer, submitter_jwks, embedded, list(external), **options)

    @cached_property
    def keys(self) -> SubmitterKeys:
        return SubmitterKeys(self.submitter_jwks)

    @cached_property
    def peers(self) -> list[WitnessPeer]:
        return [*(EmbeddedPeer(w) for w in self.embedded.values()), *self.external]

    @cached_property
    def publisher(self) -> Publisher:
        return Publisher(self.engine, self.signer, self.peers, self.quorum, self.publish_interval_s)

    @cached_property
    def sequencer(self) -> Sequencer:
        return Sequencer(
            self.engine, max_batch=self.max_batch, max_pending=self.max_pending, on_commit=self._poke
        )

    def _poke(self) -> None:
        if "publisher" in self.__dict__:
            self.publisher.poke()

    # --- reads -------------------------------------------------------------------------------

    def entry(self, index: int) -> bytes:
        with self.engine.connect() as conn:
            data = repo.entry_data(conn, index)
        if data is None:
            raise Problem(404, "chain.entry_not_found", f"no entry {index}")
        return data

    def entries(self, start: int, end: int) -> list[tuple[int, bytes, bytes]]:
        if start < 0 or end < start:
            raise Problem(422, "chain.range_invalid", "need 0 ≤ start ≤ end")
        with self.engine.connect() as conn:
            return repo.entries_between(conn, start, min(end, start + MAX_ENTRY_PAGE))

    def size(self) -> int:
        with self.engine.connect() as conn:
            return repo.head(conn)[0]

    def published(self) -> repo.CheckpointRow | None:
        with self.engine.connect() as conn:
            return repo.latest_published(conn)

    def inclusion(self, index: int, size: int) -> list[bytes]:
        with self.engine.connect() as conn:  # one connection: the size check and the proof's query
            self._check_size(conn, size)
            if not 0 <= index < size:
                raise Problem(422, "chain.index_out_of_range", f"index {index} is not below tree size {size}")
            return inclusion_proof(repo.DbNodeStore(conn), index, size)

    def consistency(self, old: int, new: int) -> list[bytes]:
        with self.engine.connect() as conn:
            self._check_size(conn, new)
            if not 0 <= old <= new:
                raise Problem(422, "chain.size_order", "need 0 ≤ old ≤ new")
            return consistency_proof(repo.DbNodeStore(conn), old, new)

    @staticmethod
    def _check_size(conn: Connection, size: int) -> None:
        if size > repo.head(conn)[0]:
            raise Problem(422, "chain.size_beyond_tree", f"the tree has fewer than {size} entries")

    def receipt(self, index: int) -> str | None:
        """The tlog-proof of entry `index` against the latest published checkpoint, or None
        while no published checkpoint covers it yet."""
        data = self.entry(index)
        checkpoint = self.published()
        if checkpoint is None or checkpoint.size <= index or checkpoint.cosigned_note is None:
            return None
        with self.engine.connect() as conn:
            proof = inclusion_proof(repo.DbNodeStore(conn), index, checkpoint.size)
        return TlogProof(index, tuple(proof), checkpoint.cosigned_note, extra=data).text

    def log_keys(self) -> LogKeys:
        witnesses: list[Verifier] = [peer.verifier for peer in self.peers]
        return LogKeys(
            origin=self.signer.name,
            log=self.signer.verifier.vkey,
            witnesses=[w.vkey for w in witnesses],
            quorum=self.quorum,
            submitters=self.submitter_jwks,
        )

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self, *, publish: bool = True) -> None:
        self.sequencer.start()
        if publish:
            self.publisher.start()

    def stop(self) -> None:
        self.sequencer.stop()
        if "publisher" in self.__dict__:
            self.publisher.stop()
