"""Wire models of the chain API: the contract other services and clients rely on."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = [
    "REF_CADASTRAL_NUMBER",
    "REF_ENCUMBRANCE_INDEX",
    "AppendResult",
    "DocRef",
    "EntryBody",
    "EvidenceRef",
    "LogKeys",
    "Signature",
    "SubmittedEntry",
]

_HEX64 = r"^[0-9a-f]{64}$"

# `ref` keys the admission rules read (all `ref` values are strings):
# registration.*, encumbrance.* and ownership.registered name the property by its cadastral number;
# encumbrance.terminated also names the index of the live encumbrance.registered entry it ends.
REF_CADASTRAL_NUMBER = "cadastral_number"
REF_ENCUMBRANCE_INDEX = "encumbrance_index"


class DocRef(BaseModel):
    sha256: str = Field(pattern=_HEX64)
    media_type: str = Field(min_length=1, max_length=100)


class EvidenceRef(BaseModel):
    type: str = Field(min_length=1, max_length=50)
    sha256: str = Field(pattern=_HEX64)


class EntryBody(BaseModel):
    kind: str
    ref: dict[str, str]
    doc: DocRef
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=16)
    submitter: str
    submitted_at: str


class Signature(BaseModel):
    alg: str
    kid: str
    value: str


class SubmittedEntry(BaseModel):
    """`POST /v1/entries`: a body signed by the submitting service."""

    body: EntryBody
    sig: Signature


class AppendResult(BaseModel):
    index: int
    leaf_hash: str


class LogKeys(BaseModel):
    """`GET /v1/keys`: what a verifier pins (also the `--keys FILE` format of `rto verify`)."""

    origin: str
    log: str = Field(description="the log's verifier key in signed-note vkey form")
    witnesses: list[str] = Field(description="witness cosigner vkeys (Ed25519 cosignature, type 0x04)")
    quorum: int = Field(description="cosignatures a checkpoint needs to be published")
    submitters: dict[str, dict[str, str]] = Field(
        description="each submitting service's Ed25519 public key as a JWK (kid, x)"
    )
