"""The chain's keys: the log's signed-note key, the embedded witnesses' cosigner keys, and the
submitting services' public keys that admission checks entry signatures against.

In development every key is derived from a public seed (like `common.service_keys`), so any
verifier can reproduce them; production configures real keys and refuses derived ones.
"""

from __future__ import annotations

import hashlib
from functools import cache

from chain.config import get_settings
from chain.domain.admission import KINDS_BY_SUBMITTER
from common.notes import SIG_COSIGNATURE_V1, Signer, Verifier
from common.service_keys import development_key

__all__ = [
    "development_log_keys",
    "development_log_signer",
    "development_witness_signer",
    "log_signer",
    "log_verifier",
    "submitter_jwks",
    "witness_key_name",
]


def _seed(label: str) -> bytes:
    return hashlib.sha256(f"rto-dev-chain-key:{label}".encode()).digest()


def development_log_signer(origin: str) -> Signer:
    return Signer(origin, _seed(f"log:{origin}"))


def witness_key_name(name: str) -> str:
    """Note key name of an embedded witness, e.g. `rto-pilot.kz/witness/registrar`."""
    return f"rto-pilot.kz/witness/{name}"


def development_witness_signer(name: str) -> Signer:
    return Signer(witness_key_name(name), _seed(f"witness:{name}"), SIG_COSIGNATURE_V1)


@cache
def log_signer() -> Signer:
    settings = get_settings()
    if settings.log_key:
        return Signer.from_skey(settings.log_key)
    return development_log_signer(settings.origin)


def log_verifier() -> Verifier:
    return log_signer().verifier


@cache
def submitter_jwks() -> dict[str, dict[str, str]]:
    """Each submitter's Ed25519 JWK: derived in development, fetched from its JWKS otherwise."""
    keys: dict[str, dict[str, str]] = {}
    for service in sorted(KINDS_BY_SUBMITTER):
        if get_settings().environment == "production":
            # Here only: it brings FastAPI, which an offline `rto verify` has no use for.
            from common.service_auth import published_jwks

            keys[service] = published_jwks(service)["keys"][0]
        else:
            keys[service] = development_key(service).jwk()
    return keys


def development_log_keys() -> dict[str, object]:
    """The `GET /v1/keys` document of a development chain with the default settings: what
    `rto verify` and `rto chain verify --db` pin when no `--keys FILE` is given."""
    settings = get_settings()
    return {
        "origin": settings.origin,
        "log": log_signer().verifier.vkey,
        "witnesses": [development_witness_signer(n).verifier.vkey for n in settings.embedded_witnesses],
        "quorum": settings.quorum,
        "submitters": submitter_jwks(),
    }
