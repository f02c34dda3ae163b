"""Crypto-operation counters for `bench/lifecycle.py`, loaded into every Python process of a
benchmark run (the bench puts this directory first on PYTHONPATH; Python imports
`sitecustomize` at start-up). Off unless RTO_BENCH_PROBE_DIR is set.

Each process counts, in a small memory-mapped file `<dir>/<pid>.cnt` that the bench reads at any
moment, the signatures it makes and checks at the kernel's boundaries: CMS signers made
(`common.eds.async_sign_detached`) and validated (`async_validate_cms`, one per SignerInfo),
Ed25519 signs/verifies through PyNaCl (chain entries, notes, checkpoints, cosignatures), EdDSA
JWT mints/verifies through PyJWT, password-protected PKCS#12 key stores sealed and opened
(`common.eds.keystore`: PBKDF2, AES and the library's RSA key check — a file-token EDS is unlocked
before it signs, as NCALayer does), and raw RSA: X.509 signing by the mock CA (certificates,
CRLs, OCSP responses) and pyHanko's signature checks. RSA work done *inside* a CMS validation
(its revocation data, its path checks) is counted apart, so it is not counted twice.
"""

from __future__ import annotations

import contextvars
import functools
import importlib.abc
import importlib.machinery
import importlib.util
import mmap
import os
import struct
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
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
    "p12_seal",
    "p12_open",
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


def _patches(counters: _Counters) -> dict[str, Callable[[ModuleType], None]]:
    """Module name → how to wrap its signing and checking functions with counters."""

    def cms(module: ModuleType) -> None:
        original = module.async_sign_detached

        @functools.wraps(original)
        async def sign(*args: Any, **kwargs: Any) -> Any:
            counters.add("cms_sign")
            return await original(*args, **kwargs)

        module.async_sign_detached = sign  # before anyone does `from common.eds.cms import …`

    def validate(module: ModuleType) -> None:
        original = module.async_validate_cms

        @functools.wraps(original)
        async def counted(*args: Any, **kwargs: Any) -> Any:
            token = _inside_validation.set(True)
            try:
                reports = await original(*args, **kwargs)
            finally:
                _inside_validation.reset(token)
            counters.add("cms_validate_calls")
            counters.add("cms_validate_signers", len(reports))
            return reports

        module.async_validate_cms = counted

    def nacl_signing(module: ModuleType) -> None:
        module.SigningKey.sign = _counting(counters, "ed25519_sign")(module.SigningKey.sign)
        module.VerifyKey.verify = _counting(counters, "ed25519_verify")(module.VerifyKey.verify)

    def jwt_algorithms(module: ModuleType) -> None:
        okp = module.OKPAlgorithm
        okp.sign = _counting(counters, "jwt_mint")(okp.sign)
        okp.verify = _counting(counters, "jwt_verify")(okp.verify)

    def x509_signing(*builders: str) -> Callable[[ModuleType], None]:
        def patch(module: ModuleType) -> None:
            for name in builders:
                builder = getattr(module, name)
                builder.sign = _counting(counters, "rsa_x509_sign", "rsa_x509_sign_in_validation")(
                    builder.sign
                )

        return patch

    def sig_validate(module: ModuleType) -> None:
        validator = module.DefaultSignatureValidator
        validator.validate_signature = _counting(counters, "rsa_verify", "rsa_verify_in_validation")(
            validator.validate_signature
        )

    def keystore(module: ModuleType) -> None:
        # The uncached paths: a store opened or sealed again from memory costs nothing.
        module._open_p12 = _counting(counters, "p12_open")(module._open_p12)
        module._serialize = _counting(counters, "p12_seal")(module._serialize)

    def rsa(module: ModuleType) -> None:
        module.generate_private_key = _counting(counters, "rsa_keygen")(module.generate_private_key)

    return {
        "common.eds.cms": cms,
        "common.eds.validate": validate,
        "common.eds.keystore": keystore,
        "nacl.signing": nacl_signing,
        "jwt.algorithms": jwt_algorithms,
        "cryptography.x509": x509_signing("CertificateBuilder", "CertificateRevocationListBuilder"),
        "cryptography.x509.ocsp": x509_signing("OCSPResponseBuilder"),
        "pyhanko_certvalidator.sig_validate": sig_validate,
        "cryptography.hazmat.primitives.asymmetric.rsa": rsa,
    }


class _AfterImport(importlib.abc.MetaPathFinder):
    """Patches a module right after its first import, so the probe imports nothing itself: an
    `rto chain verify` measured with pyHanko loaded would be measured wrong."""

    def __init__(self, patches: dict[str, Callable[[ModuleType], None]]) -> None:
        self._patches = patches

    def find_spec(
        self, name: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        patch = self._patches.pop(name, None)
        if patch is None:
            return None
        spec = importlib.util.find_spec(name)  # the real finders (this one no longer knows `name`)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            patch(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _install(counters: _Counters) -> None:
    patches = _patches(counters)
    for name in [n for n in patches if n in sys.modules]:  # imported before the probe: patch now
        patches.pop(name)(sys.modules[name])
    sys.meta_path.insert(0, _AfterImport(patches))


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
