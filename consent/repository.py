"""Queries of the consent service; they never commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from consent.domain.lifecycle import IN_FORCE, TERMINAL
from consent.models import Consent, ConsentUse, OtpChallenge, Transition

__all__ = [
    "consents_for_case",
    "consents_for_subject",
    "find_open",
    "get_consent",
    "in_force_for",
    "insert_use_once",
    "latest_for",
    "move",
    "otp_of",
    "transitions_of",
    "uses_of",
]

_OPEN = [status.value for status in TERMINAL]
_IN_FORCE = [status.value for status in IN_FORCE]


def get_consent(session: Session, consent_id: str) -> Consent | None:
    return session.get(Consent, consent_id)


def find_open(
    session: Session, subject_iin: str, purpose: str, requester: str, case_ref: str
) -> Consent | None:
    """A consent not yet in a terminal state for the same request (so asking twice returns it)."""
    query = select(Consent).where(
        Consent.subject_iin == subject_iin,
        Consent.purpose == purpose,
        Consent.requester == requester,
        Consent.case_ref == case_ref,
        col(Consent.status).not_in(_OPEN),
    )
    return session.exec(query.order_by(col(Consent.created_at).desc())).first()


def consents_for_subject(session: Session, subject_iin: str) -> Sequence[Consent]:
    query = select(Consent).where(Consent.subject_iin == subject_iin)
    return session.exec(query.order_by(col(Consent.created_at).desc())).all()


def consents_for_case(session: Session, case_ref: str) -> Sequence[Consent]:
    query = select(Consent).where(Consent.case_ref == case_ref, col(Consent.status).not_in(_OPEN))
    return session.exec(query.order_by(col(Consent.created_at))).all()


def in_force_for(session: Session, subject_iin: str, purpose: str) -> Sequence[Consent]:
    """In-force consents of a subject for a purpose, newest grant first."""
    query = select(Consent).where(
        Consent.subject_iin == subject_iin,
        Consent.purpose == purpose,
        col(Consent.status).in_(_IN_FORCE),
    )
    return session.exec(query.order_by(col(Consent.granted_at).desc())).all()


def latest_for(session: Session, subject_iin: str, purpose: str) -> Consent | None:
    query = select(Consent).where(Consent.subject_iin == subject_iin, Consent.purpose == purpose)
    return session.exec(query.order_by(col(Consent.created_at).desc())).first()


def move(session: Session, consent: Consent, values: dict[str, Any]) -> bool:
    """Apply a transition only if nobody moved the consent since it was read (optimistic lock).

    Two concurrent transitions both read version N; the database lets only one UPDATE match
    `version = N`, so exactly one wins and the other sees False.
    """
    table = Consent.__table__  # type: ignore[attr-defined]
    result = session.execute(
        update(table)
        .where(table.c.id == consent.id, table.c.version == consent.version)
        .values(version=consent.version + 1, **values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(consent)
    return True


def insert_use_once(session: Session, use: ConsentUse) -> bool:
    """Insert a declared use unless its id (the caller's idempotency key) is already taken;
    True when this call inserted it. Two retries racing on PostgreSQL both pass a read-first
    check; ON CONFLICT DO NOTHING lets one insert and makes the other wait and find it."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(ConsentUse).values(**use.model_dump()).on_conflict_do_nothing(index_elements=["id"])
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined]


def transitions_of(session: Session, consent_id: str) -> Sequence[Transition]:
    query = select(Transition).where(Transition.consent_id == consent_id)
    return session.exec(query.order_by(col(Transition.id))).all()


def uses_of(session: Session, consent_id: str) -> Sequence[ConsentUse]:
    query = select(ConsentUse).where(ConsentUse.consent_id == consent_id)
    return session.exec(query.order_by(col(ConsentUse.at))).all()


def otp_of(session: Session, consent_id: str) -> OtpChallenge | None:
    return session.get(OtpChallenge, consent_id)
