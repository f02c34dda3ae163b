"""Detached CMS SignedData with CAdES-B signed attributes, and parallel co-signatures.

Every party signs the exact document bytes on its own (binary: no MIME canonicalisation),
and the SignerInfos are merged into one SignedData, as the national tools do. Signing is
pyHanko's CAdES signer, merging is asn1crypto; no DER is written by hand.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from datetime import datetime

from asn1crypto import cms, keys
from asn1crypto.core import Void
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from common.eds._aio import run_sync
from common.eds._asn1 import to_asn1
from common.eds._cache import Lru, PerObject
from common.eds.errors import EdsError
from common.eds.keystore import KeyStore, load_p12

__all__ = [
    "DIGEST_ALGORITHM",
    "add_signer",
    "async_sign_detached",
    "content_digest",
    "load_signed_data",
    "merge",
    "sign_detached",
    "strip_pem_armour",
]

DIGEST_ALGORITHM = "sha256"

_PEM = re.compile(rb"-----BEGIN [A-Z0-9 #]+-----(.*?)-----END [A-Z0-9 #]+-----", re.DOTALL)


async def async_sign_detached(
    content: bytes, store: KeyStore, *, signing_time: datetime | None = None
) -> bytes:
    """A DER CMS with one SignerInfo over `content` (not embedded), the signer's certificate and
    its issuing CAs (not the root) included. `signing_time` defaults to now."""
    content_info = await _signer(store).async_sign_general_data(
        content,
        DIGEST_ALGORITHM,
        detached=True,
        use_cades=True,
        signed_attr_settings=PdfCMSSignedAttributes(signing_time=signing_time),
    )
    return content_info.dump()


class _LoadedKeySigner(SimpleSigner):
    """pyHanko's SimpleSigner re-loads its key from DER, with RSA's full consistency check, for
    every signature (half the cost of a CMS); this one signs with the key already loaded."""

    def __init__(self, store: KeyStore) -> None:
        super().__init__(
            signing_cert=to_asn1(store.certificate),
            signing_key=keys.PrivateKeyInfo.load(
                store.private_key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            ),
            cert_registry=SimpleCertificateStore.from_certs(
                [to_asn1(c) for c in store.chain if c.issuer != c.subject]
            ),
            embed_roots=False,
        )
        self._key = store.private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15":  # what pyHanko picks for RSA; else its own way
            return super().sign_raw(data, digest_algorithm)
        return self._key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


# One signer per opened key store, for as long as the store object lives (see `load_p12`).
_SIGNERS: PerObject[_LoadedKeySigner] = PerObject(64)


def _signer(store: KeyStore) -> _LoadedKeySigner:
    return _SIGNERS.get(store, lambda: _LoadedKeySigner(store))


def sign_detached(
    content: bytes, p12: bytes, password: str | bytes, *, signing_time: datetime | None = None
) -> bytes:
    """Sign with the key in a PKCS#12 file; see `async_sign_detached`."""
    return run_sync(async_sign_detached(content, load_p12(p12, password), signing_time=signing_time))


def add_signer(existing_cms: bytes, content: bytes, p12: bytes, password: str | bytes) -> bytes:
    """Add one more parallel signature to a detached CMS over the same `content`.

    Refuses a CMS whose signatures are over other bytes, so a co-signer never endorses
    something else than what they were shown.
    """
    existing = load_signed_data(strip_pem_armour(existing_cms))
    for signer_info in existing["signer_infos"]:
        if _message_digest(signer_info) != content_digest(signer_info, content):
            raise EdsError("eds.cms.content_mismatch", "the existing signatures are over other content")
    return merge([existing_cms, sign_detached(content, p12, password)])


def merge(cms_list: Iterable[bytes]) -> bytes:
    """One SignedData holding every SignerInfo of the inputs (parallel signatures).

    Digest algorithms, certificates and CRLs are united without duplicates; an identical
    SignerInfo given twice is kept once. All inputs must encapsulate the same content.
    """
    parts = [load_signed_data(strip_pem_armour(item)) for item in cms_list]
    if not parts:
        raise EdsError("eds.cms.empty", "nothing to merge")
    encap = parts[0]["encap_content_info"]
    if any(p["encap_content_info"].dump() != encap.dump() for p in parts[1:]):
        raise EdsError("eds.cms.content_mismatch", "the signatures encapsulate different content")
    fields: dict[str, object] = {
        "version": max(p["version"].native for p in parts),  # "v1" < "v3" < ...: the most demanding wins
        "digest_algorithms": _unique(a for p in parts for a in p["digest_algorithms"]),
        "encap_content_info": encap,
        "signer_infos": _unique(si for p in parts for si in p["signer_infos"]),
    }
    certificates = _unique(
        c for p in parts if p["certificates"].native is not None for c in p["certificates"]
    )
    if certificates:
        fields["certificates"] = certificates
    crls = _unique(c for p in parts if p["crls"].native is not None for c in p["crls"])
    if crls:
        fields["crls"] = crls
    return cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(fields)}).dump()


def strip_pem_armour(data: bytes | str) -> bytes:
    """DER from DER, PEM (any label) or bare base64 — NCALayer hands out base64 text."""
    raw = data.encode() if isinstance(data, str) else data
    if raw[:1] == b"\x30":
        return raw
    match = _PEM.search(raw)
    body = match.group(1) if match else raw
    try:
        return base64.b64decode(b"".join(body.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EdsError("eds.cms.encoding", "expected DER, PEM or base64") from exc


def load_signed_data(der: bytes) -> cms.SignedData:
    """Parse a DER ContentInfo that must hold SignedData; parse errors become EdsError."""
    try:
        content_info = cms.ContentInfo.load(der, strict=True)
        if content_info["content_type"].native != "signed_data":
            raise EdsError("eds.cms.not_signed_data", "the CMS is not SignedData")
        _vet(content_info["content"])
    except (ValueError, TypeError, KeyError) as exc:
        raise EdsError("eds.cms.malformed", "the CMS cannot be parsed") from exc
    # Handed out from a second, untouched parse: once its natives are computed, asn1crypto
    # re-encodes every part of a structure built from it (~20 ms for a signer's copy or a merge).
    return cms.ContentInfo.load(der, strict=True)["content"]


# Digests of certificates and SignerInfos (DER) already parsed in full without error.
_VETTED: Lru[bytes, bool] = Lru(1024)


def _vet(signed_data: cms.SignedData) -> None:
    """Parse everything, as `.native` does, so a malformed CMS fails here and not later.

    Field by field, skipping a certificate or SignerInfo whose exact bytes passed before: a
    merge re-reads the signatures validated moments ago, and asn1crypto makes a full parse of a
    signer's part slow (~20 ms: it re-encodes a subtree at every level it converts).
    """
    for name in ("version", "digest_algorithms", "encap_content_info"):
        signed_data[name].native  # noqa: B018 — parsing is the point
    for name in ("certificates", "crls", "signer_infos"):
        group = signed_data[name]
        if isinstance(group, Void):  # an absent optional field
            continue
        for item in group:
            _VETTED.get(hashlib.sha256(item.dump()).digest(), lambda item=item: item.native is not None)


def _unique(items: Iterable) -> list:
    seen: dict[bytes, object] = {}
    for item in items:
        seen.setdefault(item.dump(), item)
    return list(seen.values())


def _message_digest(signer_info: cms.SignerInfo) -> bytes | None:
    for attr in signer_info["signed_attrs"]:
        if attr["type"].native == "message_digest":
            return attr["values"][0].native
    return None


def content_digest(signer_info: cms.SignerInfo, content: bytes) -> bytes:
    """`content` hashed with the SignerInfo's digest algorithm (what message-digest must equal)."""
    name = signer_info["digest_algorithm"]["algorithm"].native
    try:
        return hashlib.new(name, content).digest()
    except ValueError as exc:
        raise EdsError("eds.cms.unsupported_digest", f"digest algorithm {name} is not supported") from exc
