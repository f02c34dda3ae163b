"""Public verification (the ezsigner role; information-system rules §28): a document and its
CMS give a report per signer and, when the document is one the portal recorded, its chain
record; the printed lease's QR code (hash + chain index) is accepted on its own."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from portal import repository as repo
from portal.db import get_engine
from portal.domain.lease import LEASE_MEDIA_TYPE
from portal.service.base import aware, sha256_hex
from portal.signatures import reports

__all__ = ["lookup", "verify"]


def lookup(sha256: str, index: int | None = None) -> dict[str, Any] | None:
    """What the portal recorded under a document hash (no personal data), or None."""
    with Session(get_engine()) as session:
        lease = repo.lease_by_sha256(session, sha256)
        if lease is not None:
            record = {
                "kind": "lease.signed" if lease.signed_at else "lease.draft",
                "media_type": LEASE_MEDIA_TYPE,
                "signatures": lease.signatures,
                "parties": len(lease.parties),
                "signed_at": lease.signed_at and aware(lease.signed_at).isoformat(),
                "chain_index": lease.chain_index,
                "receipt_url": f"/v1/public/leases/{lease.id}/receipt"
                if lease.chain_index is not None
                else None,
            }
        else:
            doc = repo.signed_document_by_sha256(session, sha256)
            if doc is None:
                return None
            kind = {"refusal": "refusal.issued", "letter": "letter.issued"}[doc.kind]
            record = {
                "kind": kind if doc.signed_at else f"{doc.kind}.draft",
                "signed_at": doc.signed_at and aware(doc.signed_at).isoformat(),
                "chain_index": doc.chain_index,
            }
    record["sha256"] = sha256
    record["index_matches"] = index is None or index == record["chain_index"]
    return record


def verify(document: bytes, cms: str | bytes) -> dict[str, Any]:
    digest = sha256_hex(document)
    found = reports(document, cms)
    signers = [
        {
            "indication": r.indication.value,
            "sub_indication": r.sub_indication and r.sub_indication.value,
            "name": r.signer and r.signer.common_name,
            "iin": r.signer and r.signer.iin,
            "bin": r.signer and r.signer.bin,
            "organisation": r.signer and r.signer.organisation,
            "roles": [str(x) for x in r.signer.roles] if r.signer else [],
            "key_purpose": r.signer and r.signer.key_purpose and str(r.signer.key_purpose),
            "claimed_signing_time": r.claimed_signing_time and r.claimed_signing_time.isoformat(),
            "revocation": r.revocation.status.value,
            "errors": list(r.errors),
        }
        for r in found
    ]
    return {
        "sha256": digest,
        "valid": all(r.passed for r in found),
        "signers": signers,
        "record": lookup(digest),
    }
