"""Shaping stored consents into wire views and receipts (IIN masked wherever a person may look)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from common.entries import rfc3339
from common.ids import parse_iin
from consent.domain.lifecycle import IN_FORCE
from consent.models import Consent, ConsentUse, Transition
from consent.schemas import ConsentStatus, ConsentView, TransitionView, UseView

__all__ = ["aware", "consent_view", "mask_iin", "receipt", "use_view"]


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _opt(moment: datetime | None) -> datetime | None:
    return aware(moment) if moment else None


def mask_iin(iin: str) -> str:
    try:
        return parse_iin(iin).masked()
    except ValueError:
        return iin[:6] + "******"


def artefact_of(consent: Consent) -> dict[str, Any]:
    return json.loads(consent.artefact_json)


def consent_view(consent: Consent, transitions: Sequence[Transition] = ()) -> ConsentView:
    return ConsentView(
        id=consent.id,
        status=ConsentStatus(consent.status),
        purpose=consent.purpose,  # type: ignore[arg-type]
        requester=consent.requester,
        case_ref=consent.case_ref,
        subject_iin=mask_iin(consent.subject_iin),
        artefact=artefact_of(consent),
        artefact_sha256=consent.artefact_sha256,
        categories=list(consent.categories),
        created_at=aware(consent.created_at),
        updated_at=aware(consent.updated_at),
        granted_at=_opt(consent.granted_at),
        grant_channel=consent.grant_channel,
        ended_at=_opt(consent.ended_at),
        chain_index=consent.chain_index,
        revocation_chain_index=consent.revocation_chain_index,
        revocation_reason=consent.revocation_reason,
        decision_reason=consent.decision_reason,
        in_force=ConsentStatus(consent.status) in IN_FORCE,
        transitions=[
            TransitionView(
                from_status=ConsentStatus(t.from_status) if t.from_status else None,
                to_status=ConsentStatus(t.to_status),
                actor=t.actor,
                channel=t.channel,
                reason=t.reason,
                at=aware(t.at),
            )
            for t in transitions
        ],
    )


def use_view(use: ConsentUse) -> UseView:
    return UseView(
        id=use.id,
        consent_id=use.consent_id,
        requester=use.requester,
        purpose=use.purpose,  # type: ignore[arg-type]
        categories=list(use.categories),
        detail=use.detail,
        at=aware(use.at),
    )


def receipt(
    consent: Consent, transitions: Sequence[Transition], uses: Sequence[ConsentUse]
) -> dict[str, Any]:
    """A consent receipt after Kantara CR v1.1 / ISO/IEC 27560, with the IIN masked."""
    artefact = artefact_of(consent)
    artefact["subject"] = {**artefact["subject"], "iin": mask_iin(consent.subject_iin)}
    return {
        "receipt_version": "rto-consent-receipt/1",
        "jurisdiction": "KZ",
        "consent_id": consent.id,
        "status": consent.status,
        "subject": {"name": consent.subject_name, "iin_masked": mask_iin(consent.subject_iin)},
        "purpose": consent.purpose,
        "categories": list(consent.categories),
        "controller": artefact["controller"],
        "operator": artefact["operator"],
        "recipients": artefact["recipients"],
        "flags": artefact["flags"],
        "notice": artefact["notice"],
        "validity": artefact["validity"],
        "collection_method": consent.grant_channel,
        "consent_timestamp": rfc3339(aware(consent.granted_at)) if consent.granted_at else None,
        "artefact_sha256": consent.artefact_sha256,
        "evidence_sha256": consent.evidence_sha256,
        "chain": {"granted": consent.chain_index, "revoked": consent.revocation_chain_index},
        "events": [
            {
                "status": t.to_status,
                "actor": t.actor,
                "channel": t.channel,
                "reason": t.reason,
                "at": rfc3339(aware(t.at)),
            }
            for t in transitions
        ],
        "uses": [
            {
                "by": u.requester,
                "categories": list(u.categories),
                "detail": u.detail,
                "at": rfc3339(aware(u.at)),
            }
            for u in uses
        ],
        "artefact": artefact,
        "issued_at": rfc3339(datetime.now(UTC)),
    }
