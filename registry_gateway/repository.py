"""Queries of the registry_gateway service; they never commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, func, select

from common.problems import Problem
from registry_gateway.models import (
    Case,
    CaseCheck,
    CaseDocument,
    CaseParty,
    CaseTransition,
    DeadlineAlert,
    Notice,
    WebhookSubscriber,
)

__all__ = [
    "alerts_for",
    "case_by_portal_ref",
    "checks_of",
    "documents_of",
    "get_case",
    "history_of",
    "latest_run",
    "list_cases",
    "notices_of",
    "open_cases_with_deadline",
    "parties_of",
    "record_transition",
    "subscribers_for",
]


def get_case(session: Session, case_id: str, *, for_update: bool = False) -> Case:
    statement = select(Case).where(Case.id == case_id)
    if for_update:
        statement = statement.with_for_update()
    case = session.exec(statement).first()
    if case is None:
        raise Problem(404, "case.not_found", f"no registration case {case_id}")
    return case


def case_by_portal_ref(session: Session, kind: str, portal_ref: str) -> Case | None:
    return session.exec(select(Case).where(Case.kind == kind, Case.portal_ref == portal_ref)).first()


def list_cases(session: Session, state: str | None = None) -> list[Case]:
    statement = select(Case).order_by(col(Case.deadline).is_(None), col(Case.deadline), col(Case.created_at))
    if state:
        statement = statement.where(Case.state == state)
    return list(session.exec(statement).all())


def parties_of(session: Session, case_id: str) -> list[CaseParty]:
    return list(
        session.exec(select(CaseParty).where(CaseParty.case_id == case_id).order_by(col(CaseParty.role)))
    )


def documents_of(session: Session, case_id: str) -> list[CaseDocument]:
    statement = (
        select(CaseDocument).where(CaseDocument.case_id == case_id).order_by(col(CaseDocument.added_at))
    )
    return list(session.exec(statement).all())


def latest_run(session: Session, case_id: str) -> int:
    return int(
        session.exec(
            select(func.coalesce(func.max(CaseCheck.run), 0)).where(CaseCheck.case_id == case_id)
        ).one()
    )


def checks_of(session: Session, case_id: str) -> list[CaseCheck]:
    run = latest_run(session, case_id)
    statement = select(CaseCheck).where(CaseCheck.case_id == case_id, CaseCheck.run == run)
    return list(session.exec(statement).all())


def history_of(session: Session, case_id: str) -> list[CaseTransition]:
    statement = (
        select(CaseTransition).where(CaseTransition.case_id == case_id).order_by(col(CaseTransition.at))
    )
    return list(session.exec(statement).all())


def notices_of(session: Session, case_id: str) -> list[Notice]:
    return list(session.exec(select(Notice).where(Notice.case_id == case_id)).all())


def alerts_for(session: Session, case_ids: list[str]) -> dict[str, str]:
    """The most severe alert per case."""
    rows = session.exec(select(DeadlineAlert).where(col(DeadlineAlert.case_id).in_(case_ids))).all()
    levels: dict[str, str] = {}
    for row in rows:
        if levels.get(row.case_id) != "overdue":
            levels[row.case_id] = row.level
    return levels


def open_cases_with_deadline(session: Session) -> list[Case]:
    statement = select(Case).where(
        col(Case.deadline).is_not(None), col(Case.state).not_in(["registered", "refused", "suspended"])
    )
    return list(session.exec(statement).all())


def subscribers_for(session: Session, event_type: str) -> list[WebhookSubscriber]:
    rows = session.exec(select(WebhookSubscriber).where(WebhookSubscriber.active == True)).all()  # noqa: E712
    return [s for s in rows if not s.events or event_type in s.events]


def record_transition(session: Session, case: Case, to_state: str, actor: str, reason: str) -> None:
    """Move the case and keep who moved it, when and why."""
    now = datetime.now(UTC)
    session.add(
        CaseTransition(
            case_id=case.id, from_state=case.state, to_state=to_state, actor=actor, reason=reason, at=now
        )
    )
    case.state = to_state
    case.updated_at = now
    session.add(case)
