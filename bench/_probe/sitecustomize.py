"""Crypto-operation counters for `bench/lifecycle.py`, loaded into every Python process of a
benchmark run (the bench puts this directory first on PYTHONPATH; Python imports
`sitecustomize` at start-up). Off unless RTO_BENCH_PROBE_DIR is set.

Each process counts, in a small memory-mapped file `<dir>/<pid>.cnt` that the bench reads at any
moment, the signatures it makes and checks at the kernel's boundaries: CMS signers made
(`common.eds.async_sign_detached`) and validated (`async_validate_cms`, one per SignerInfo),
Ed25519 signs/verifies through PyNaCl (chain entries, notes, checkpoints, cosignatures), EdDSA
JWT mints/verifies through PyJWT, and raw RSA: X.509 signing by the mock CA (certificates,
CRLs, OCSP responses) and pyHanko's signature checks. RSA work done *inside* a CMS validation
(its revocation data, its path checks) is counted apart, so it is not counted twice.
"""

from __future__ import annotations

import contextvars
import functools
import mmap
import os
import struct
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

COUNTERS = (
    "cms_sign",
    "cms_validate_calls",
    "cms_validate_signers",
    "ed25519_sign",
    "ed25519_verify",
    "jwt_mint",
    "jwt_verify",
    "rsa_x509_sign",
    "rsa_x509_sign_in_validation",
    "rsa_verify",
    "rsa_verify_in_validation",
    "rsa_keygen",
)
_SLOT = {name: index for index, name in enumerate(COUNTERS)}
_inside_validation: contextvars.ContextVar[bool] = contextvars.ContextVar("rto_bench_in_cms", default=False)


class _Counters:
    def __init__(self, path: Path) -> None:
        path.write_bytes(bytes(8 * len(COUNTERS)))
        self._file = path.open("r+b")
        self._map = mmap.mmap(self._file.fileno(), 8 * len(COUNTERS))
        self._lock = threading.Lock()

    def add(self, name: str, n: int = 1) -> None:
        offset = 8 * _SLOT[name]
        with self._lock:
            (value,) = struct.unpack_from("<q", self._map, offset)
            struct.pack_into("<q", self._map, offset, value + n)


def _counting(counters: _Counters, name: str, nested: str | None = None) -> Callable[[Any], Any]:
    def wrap(original: Any) -> Any:
        @functools.wraps(original)
        def counted(*args: Any, **kwargs: Any) -> Any:
            counters.add(nested if nested and _inside_validation.get() else name)
            return original(*args, **kwargs)

        return counted

    return wrap


def _install(counters: _Counters) -> None:
    import jwt.algorithms
    import nacl.signing
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509 import ocsp
    from pyhanko_certvalidator import sig_validate

    import common.eds.cms
    import common.eds.validate

    original_sign = common.eds.cms.async_sign_detached
    original_validate = common.eds.validate.async_validate_cms

    @functools.wraps(original_sign)
    async def sign(*args: Any, **kwargs: Any) -> Any:
        counters.add("cms_sign")
        return await original_sign(*args, **kwargs)

    @functools.wraps(original_validate)
    async def validate(*args: Any, **kwargs: Any) -> Any:
        token = _inside_validation.set(True)
        try:
            reports = await original_validate(*args, **kwargs)
        finally:
            _inside_validation.reset(token)
        counters.add("cms_validate_calls")
        counters.add("cms_validate_signers", len(reports))
        return reports

    # Rebind every module-level name that holds an original (`from … import` copies it); the
    # services import common.eds later and so get the counting versions.
    swaps = {
        "async_sign_detached": (original_sign, sign),
        "async_validate_cms": (original_validate, validate),
    }
    for module in list(sys.modules.values()):
        if (getattr(module, "__name__", "") or "").startswith("common.eds"):
            for attribute, (original, replacement) in swaps.items():
                if getattr(module, attribute, None) is original:
                    setattr(module, attribute, replacement)

    nacl.signing.SigningKey.sign = _counting(counters, "ed25519_sign")(nacl.signing.SigningKey.sign)
    nacl.signing.VerifyKey.verify = _counting(counters, "ed25519_verify")(nacl.signing.VerifyKey.verify)
    okp = jwt.algorithms.OKPAlgorithm
    okp.sign = _counting(counters, "jwt_mint")(okp.sign)
    okp.verify = _counting(counters, "jwt_verify")(okp.verify)
    for builder in (x509.CertificateBuilder, x509.CertificateRevocationListBuilder, ocsp.OCSPResponseBuilder):
        builder.sign = _counting(counters, "rsa_x509_sign", "rsa_x509_sign_in_validation")(builder.sign)
    validator = sig_validate.DefaultSignatureValidator
    validator.validate_signature = _counting(counters, "rsa_verify", "rsa_verify_in_validation")(
        validator.validate_signature
    )
    rsa.generate_private_key = _counting(counters, "rsa_keygen")(rsa.generate_private_key)


def _start() -> None:
    directory = os.environ.get("RTO_BENCH_PROBE_DIR")
    if not directory:
        return
    try:
        counters = _Counters(Path(directory) / f"{os.getpid()}.cnt")
        _install(counters)
    except Exception as exc:  # a probe must never stop the process it measures
        print(f"rto bench probe not installed in {os.getpid()}: {exc!r}", file=sys.stderr)


_start()
