"""Assembling a case's wire view from its rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from registry_gateway import repository as repo
from registry_gateway.models import Case
from registry_gateway.schemas import (
    CaseStatus,
    CaseView,
    CheckView,
    DecisionView,
    DocumentView,
    FeeView,
    PartyView,
    SignerSummary,
    TransitionView,
    VideoView,
)

__all__ = ["aware", "case_status", "case_view", "signer_summaries"]


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def signer_summaries(entries: list[dict[str, Any]]) -> list[SignerSummary]:
    return [
        SignerSummary(
            iin=e.get("iin"),
            bin=e.get("bin"),
            name=e.get("name"),
            indication=e["indication"],
            sub_indication=e.get("sub_indication") or e.get("party_problem"),
            role=", ".join(e.get("roles", [])) or None,
            signed_at=datetime.fromisoformat(e["signed_at"]) if e.get("signed_at") else None,
        )
        for e in entries
    ]


def _decision(case: Case) -> DecisionView | None:
    return DecisionView.model_validate(case.decision) if case.decision else None


def case_view(session: Session, case: Case) -> CaseView:
    session.flush()
    parties = repo.parties_of(session, case.id)
    documents = repo.documents_of(session, case.id)
    video = None
    if case.video_room_id and case.video_starts_at:
        video = VideoView(room_id=case.video_room_id, starts_at=aware(case.video_starts_at))  # type: ignore[arg-type]
    return CaseView(
        id=case.id,
        kind=case.kind,  # type: ignore[arg-type]
        state=case.state,  # type: ignore[arg-type]
        cadastral_number=case.cadastral_number,
        portal_ref=case.portal_ref,
        related_case=case.related_case,
        parties=[
            PartyView(
                iin=p.iin,
                bin=p.bin,
                role=p.role,  # type: ignore[arg-type]
                representative_iin=p.representative_iin,
                application_signed_at=aware(p.signed_at),
            )
            for p in parties
        ],
        documents=[
            DocumentView(
                id=d.id,
                name=d.name,
                sha256=d.sha256,
                media_type=d.media_type,
                size=len(d.content),
                signers=signer_summaries(d.signature_report),
            )
            for d in documents
        ],
        application_sha256=case.application_sha256,
        fee=FeeView(
            due=case.fee_due,
            paid=case.fee_paid,
            receipt_id=(case.receipt or {}).get("receipt_id"),
            confirmed_at=aware(case.payment_confirmed_at),
        ),
        video=video,
        deadline=aware(case.deadline),
        checks=[
            CheckView(
                code=c.code,
                passed=c.passed,
                detail=c.detail,
                evidence=c.evidence,
                checked_at=aware(c.checked_at),
            )  # type: ignore[arg-type]
            for c in repo.checks_of(session, case.id)
        ],
        decision=_decision(case),
        history=[
            TransitionView(
                from_state=t.from_state, to_state=t.to_state, actor=t.actor, at=aware(t.at), reason=t.reason
            )  # type: ignore[arg-type]
            for t in repo.history_of(session, case.id)
        ],
        chain=dict(case.chain),
        created_at=aware(case.created_at),  # type: ignore[arg-type]
    )


def case_status(case: Case) -> CaseStatus:
    return CaseStatus(
        id=case.id,
        state=case.state,  # type: ignore[arg-type]
        deadline=aware(case.deadline),
        decision=_decision(case),
        chain=dict(case.chain),
    )
