"""The consent artefact: the appendix form as data, and its canonical bytes (RFC 8785).

The subject signs exactly these bytes (detached CMS); their SHA-256 is the `doc` of the chain
entries. The artefact carries the full IIN because it is what the subject signs; only hashes
of it leave the consent service.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from common.canonical import canonical_bytes
from common.entries import rfc3339
from consent.domain.catalogue import PURPOSE_LABELS
from consent.domain.notice import NOTICE_VERSION, Parties, notice_digests

__all__ = ["ARTEFACT_MEDIA_TYPE", "ARTEFACT_TYPE", "artefact_bytes", "artefact_sha256", "build_artefact"]

ARTEFACT_TYPE = "kz.rto.consent/1"
ARTEFACT_MEDIA_TYPE = "application/json"


def build_artefact(
    *,
    consent_id: str,
    subject_iin: str,
    subject_name: str,
    purpose: str,
    categories: Sequence[str],
    parties: Parties,
    case_ref: str,
    requester: str,
    lang: str,
    requested_at: datetime,
) -> dict[str, Any]:
    return {
        "type": ARTEFACT_TYPE,
        "id": consent_id,
        "subject": {"iin": subject_iin, "name": subject_name},
        "purpose": {"code": purpose, "text": PURPOSE_LABELS[purpose]},
        "controller": parties.controller.as_dict(),
        "operator": parties.operator.as_dict(),
        "recipients": [parties.recipient.as_dict()],
        "categories": list(categories),
        # Law art. 8(4) p.3: valid for the period of the service, i.e. until this case closes.
        "validity": {"from": rfc3339(requested_at), "until": "end_of_service", "case_ref": case_ref},
        "flags": {"third_party_transfer": True, "cross_border_transfer": False, "publication": False},
        "notice": {"version": NOTICE_VERSION, "lang": lang, "sha256": notice_digests(parties)},
        "requester": requester,
    }


def artefact_bytes(artefact: dict[str, Any]) -> bytes:
    return canonical_bytes(artefact)


def artefact_sha256(artefact: dict[str, Any]) -> str:
    return hashlib.sha256(artefact_bytes(artefact)).hexdigest()
