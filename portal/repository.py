"""Queries of the portal service; they never commit."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from portal.models import (
    Account,
    AkimatList,
    Application,
    Flat,
    Guarantor,
    Lease,
    LeaseSignature,
    Notice,
    Payment,
    RegistrationCase,
    SignedDocument,
    Upload,
)

__all__ = [
    "account_by_iin",
    "accounts_of",
    "application_id_of",
    "application_of",
    "applications_by_consent",
    "applications_with_signed_document",
    "applications_with_status",
    "cases_by_consent",
    "cases_by_ref",
    "cases_of",
    "cases_of_kind",
    "cases_with_applications",
    "flats",
    "guarantees_by",
    "guarantor_count",
    "guarantors_by_consent",
    "guarantors_of",
    "has_account",
    "is_guarantor",
    "is_guarantor_of",
    "latest_lists",
    "latest_notices",
    "lease_by_sha256",
    "lease_id_by_sha256",
    "lease_id_of",
    "lease_of",
    "lease_signatures",
    "lease_signer_iin",
    "notices_about",
    "payment_by_reference",
    "payments_of",
    "phone_of",
    "recent_applications",
    "registered_case",
    "signed_document_by_sha256",
    "signed_document_of",
    "unsigned_guarantor_positions",
    "unsigned_leases",
    "uploads_of",
]


# ---------------------------------------------------------------- accounts, akimat lists, flats


def account_by_iin(session: Session, iin: str, *, for_update: bool = False) -> Account | None:
    query = select(Account).where(Account.iin == iin)
    return session.exec(query.with_for_update() if for_update else query).first()


def has_account(session: Session, iin: str) -> bool:
    return session.exec(select(Account.id).where(Account.iin == iin)).first() is not None


def phone_of(session: Session, iin: str) -> str | None:
    """The phone the akimat listed for the person, if they have an account."""
    return session.exec(select(Account.phone).where(Account.iin == iin)).first()


def accounts_of(session: Session, iins: list[str]) -> dict[str, Account]:
    """The accounts of those of `iins` that have one, by IIN."""
    return {a.iin: a for a in session.exec(select(Account).where(col(Account.iin).in_(iins))).all()}


def latest_lists(session: Session, *, limit: int) -> list[AkimatList]:
    """The akimat lists, most recently loaded first."""
    query = select(AkimatList).order_by(col(AkimatList.loaded_at).desc()).limit(limit)
    return list(session.exec(query).all())


def flats(session: Session, *, unreserved_only: bool = False) -> list[Flat]:
    """The flats by cadastral number; only those no application reserves when `unreserved_only`."""
    query = select(Flat)
    if unreserved_only:
        query = query.where(col(Flat.reserved_by).is_(None))
    return list(session.exec(query.order_by(col(Flat.cadastral_number))).all())


# ---------------------------------------------------------------- applications


def application_of(session: Session, applicant_iin: str) -> Application | None:
    return session.exec(select(Application).where(Application.applicant_iin == applicant_iin)).first()


def application_id_of(session: Session, applicant_iin: str) -> str | None:
    return session.exec(select(Application.id).where(Application.applicant_iin == applicant_iin)).first()


def recent_applications(
    session: Session, *, limit: int, applicant_iin: str | None = None
) -> list[Application]:
    """Applications newest first; only the applicant's own when `applicant_iin` is given."""
    query = select(Application).order_by(col(Application.created_at).desc())
    if applicant_iin is not None:
        query = query.where(Application.applicant_iin == applicant_iin)
    return list(session.exec(query.limit(limit)).all())


def applications_with_status(session: Session, *statuses: str) -> list[Application]:
    return list(session.exec(select(Application).where(col(Application.status).in_(statuses))).all())


def applications_by_consent(session: Session, consent_id: str) -> list[Application]:
    return list(session.exec(select(Application).where(Application.consent_id == consent_id)).all())


# ---------------------------------------------------------------- guarantors, uploads


def guarantors_of(session: Session, application_id: str, *, by_position: bool = True) -> list[Guarantor]:
    """The application's guarantors, by position unless `by_position` is False (then unordered)."""
    query = select(Guarantor).where(Guarantor.application_id == application_id)
    if by_position:
        query = query.order_by(col(Guarantor.position))
    return list(session.exec(query).all())


def is_guarantor_of(session: Session, application_id: str, identifier: str) -> bool:
    """Whether the person or entity (IIN or BIN) is invited to guarantee the application."""
    query = select(Guarantor.id).where(
        Guarantor.application_id == application_id, Guarantor.identifier == identifier
    )
    return session.exec(query).first() is not None


def is_guarantor(session: Session, identifier: str) -> bool:
    """Whether the person or entity (IIN or BIN) is invited to guarantee any application."""
    return session.exec(select(Guarantor.id).where(Guarantor.identifier == identifier)).first() is not None


def guarantor_count(session: Session, application_id: str) -> int:
    return session.exec(select(func.count()).where(Guarantor.application_id == application_id)).one()


def unsigned_guarantor_positions(session: Session, application_id: str) -> list[int]:
    query = select(Guarantor.position).where(
        Guarantor.application_id == application_id, col(Guarantor.signed_at).is_(None)
    )
    return list(session.exec(query).all())


def guarantees_by(session: Session, identifier: str) -> list[Guarantor]:
    """The guarantor rows of a person or entity (IIN or BIN), across applications."""
    return list(session.exec(select(Guarantor).where(Guarantor.identifier == identifier)).all())


def guarantors_by_consent(session: Session, consent_id: str) -> list[Guarantor]:
    return list(session.exec(select(Guarantor).where(Guarantor.consent_id == consent_id)).all())


def uploads_of(
    session: Session, application_id: str, owner_iin: str | None = None, *, oldest_first: bool = False
) -> list[Upload]:
    """The application's uploads (only `owner_iin`'s when given), unordered unless `oldest_first`."""
    query = select(Upload).where(Upload.application_id == application_id)
    if owner_iin is not None:
        query = query.where(Upload.owner_iin == owner_iin)
    if oldest_first:
        query = query.order_by(col(Upload.uploaded_at))
    return list(session.exec(query).all())


# ---------------------------------------------------------------- leases, payments, signed documents


def lease_of(session: Session, application_id: str) -> Lease | None:
    return session.exec(select(Lease).where(Lease.application_id == application_id)).first()


def lease_id_of(session: Session, application_id: str) -> str | None:
    return session.exec(select(Lease.id).where(Lease.application_id == application_id)).first()


def lease_by_sha256(session: Session, sha256: str) -> Lease | None:
    return session.exec(select(Lease).where(Lease.sha256 == sha256)).first()


def lease_id_by_sha256(session: Session, sha256: str) -> str | None:
    return session.exec(select(Lease.id).where(Lease.sha256 == sha256)).first()


def unsigned_leases(session: Session) -> list[Lease]:
    """Leases some party has still to sign."""
    return list(session.exec(select(Lease).where(col(Lease.signed_at).is_(None))).all())


def lease_signatures(session: Session, lease_id: str) -> list[LeaseSignature]:
    """The lease's signatures in signing order."""
    query = (
        select(LeaseSignature)
        .where(LeaseSignature.lease_id == lease_id)
        .order_by(col(LeaseSignature.position))
    )
    return list(session.exec(query).all())


def lease_signer_iin(session: Session, lease_id: str, role: str) -> str | None:
    """The IIN of whoever signed the lease in `role`."""
    query = select(LeaseSignature.iin).where(LeaseSignature.lease_id == lease_id, LeaseSignature.role == role)
    return session.exec(query).first()


def payments_of(session: Session, lease_id: str) -> list[Payment]:
    """The lease's payments by payment date, then by when they were recorded."""
    query = (
        select(Payment)
        .where(Payment.lease_id == lease_id)
        .order_by(col(Payment.paid_on), col(Payment.recorded_at))
    )
    return list(session.exec(query).all())


def payment_by_reference(session: Session, lease_id: str, reference: str) -> Payment | None:
    query = select(Payment).where(Payment.lease_id == lease_id, Payment.reference == reference)
    return session.exec(query).first()


def signed_document_of(session: Session, application_id: str, kind: str) -> SignedDocument | None:
    """The application's refusal or release letter (`kind`), signed or not."""
    query = select(SignedDocument).where(
        SignedDocument.application_id == application_id, SignedDocument.kind == kind
    )
    return session.exec(query).first()


def signed_document_by_sha256(session: Session, sha256: str) -> SignedDocument | None:
    return session.exec(select(SignedDocument).where(SignedDocument.sha256 == sha256)).first()


def applications_with_signed_document(session: Session, kind: str) -> set[str]:
    """Ids of the applications whose document of `kind` is signed."""
    query = select(SignedDocument.application_id).where(
        SignedDocument.kind == kind, col(SignedDocument.signed_at).is_not(None)
    )
    return set(session.exec(query).all())


# ---------------------------------------------------------------- notices


def latest_notices(session: Session, recipients: list[str], *, limit: int) -> list[Notice]:
    """The notices to any of `recipients`, newest first."""
    query = (
        select(Notice)
        .where(col(Notice.recipient).in_(recipients))
        .order_by(col(Notice.created_at).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def notices_about(session: Session, ref: str, recipient: str) -> list[Notice]:
    """The notices to `recipient` that refer to `ref`, oldest first."""
    query = (
        select(Notice)
        .where(Notice.ref == ref, Notice.recipient == recipient)
        .order_by(col(Notice.created_at))
    )
    return list(session.exec(query).all())


# ---------------------------------------------------------------- registration cases


def cases_of(session: Session, application_id: str) -> list[RegistrationCase]:
    """The application's registration cases, least recently changed first."""
    query = (
        select(RegistrationCase)
        .where(RegistrationCase.application_id == application_id)
        .order_by(col(RegistrationCase.updated_at))
    )
    return list(session.exec(query).all())


def cases_of_kind(session: Session, application_id: str, kind: str) -> list[RegistrationCase]:
    query = select(RegistrationCase).where(
        RegistrationCase.application_id == application_id, RegistrationCase.kind == kind
    )
    return list(session.exec(query).all())


def registered_case(session: Session, application_id: str, kind: str) -> RegistrationCase | None:
    """The application's case of `kind` that the registrar registered."""
    query = select(RegistrationCase).where(
        RegistrationCase.application_id == application_id,
        RegistrationCase.kind == kind,
        RegistrationCase.state == "registered",
    )
    return session.exec(query).first()


def cases_by_ref(session: Session, application_id: str, portal_ref: str) -> list[RegistrationCase]:
    """The application's cases submitted under `portal_ref` (the buyout pair shares one)."""
    query = select(RegistrationCase).where(
        RegistrationCase.application_id == application_id, RegistrationCase.portal_ref == portal_ref
    )
    return list(session.exec(query).all())


def cases_by_consent(session: Session, consent_id: str) -> list[RegistrationCase]:
    query = select(RegistrationCase).where(RegistrationCase.consent_id == consent_id)
    return list(session.exec(query).all())


def cases_with_applications(
    session: Session, *, applicant_iin: str | None = None, application_id: str | None = None
) -> list[tuple[RegistrationCase, Application]]:
    """Registration cases with their applications, oldest first; only the applicant's own when
    `applicant_iin` is given, only one application's when `application_id` is."""
    query = select(RegistrationCase, Application).where(RegistrationCase.application_id == Application.id)
    if applicant_iin is not None:
        query = query.where(Application.applicant_iin == applicant_iin)
    if application_id:
        query = query.where(RegistrationCase.application_id == application_id)
    return list(session.exec(query.order_by(col(RegistrationCase.created_at))).all())
