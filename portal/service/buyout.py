"""Stage 3 from the portal (§29–§31): the payment ledger of a lease, the release letter the
head signs once the purchase price is paid (`letter.issued` on the chain), and the pair of
applications — termination of the lease encumbrance and the tenant's ownership — submitted to
the registry gateway. Fee, consent, signatures and video then go as in stage 2
(`portal.service.registration`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from common.calendar import local_date
from common.canonical import canonical_bytes
from common.problems import Problem
from portal import repository as repo
from portal.config import get_settings
from portal.db import get_engine
from portal.domain.lease import LEASE_MEDIA_TYPE, signed_schedule
from portal.domain.ledger import LedgerFigures, ledger_figures
from portal.domain.states import Status
from portal.models import Application, Lease, Payment, SignedDocument
from portal.service.access import load_application, require_role
from portal.service.auth import User
from portal.service.base import aware, notify, now, queue_chain_append, sha256_hex, today, transaction
from portal.service.registration import document_spec, list_registrations, open_case
from portal.signatures import expect_company, reports, verify_party
from registry_gateway.schemas import CaseKind

__all__ = [
    "LETTER_MEDIA_TYPE",
    "ledger",
    "letter_view",
    "record_payment",
    "release_letter",
    "release_letter_cms",
    "sign_release_letter",
    "submit_buyout",
]

LETTER_MEDIA_TYPE = "application/vnd.rto.release-letter+json"
_PAYING = (Status.LEASE_SIGNED, Status.REGISTRATION, Status.REGISTERED)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _lease_and_app(session: Session, lease_id: str, user: User, *roles: str) -> tuple[Lease, Application]:
    lease = session.get(Lease, lease_id)
    if lease is None:
        raise Problem(404, "lease.not_found", "no such lease")
    return lease, load_application(session, lease.application_id, user, *roles)


def _figures(lease: Lease, app: Application, payments: list[Payment], as_of: date | None) -> LedgerFigures:
    return ledger_figures(signed_schedule(lease.content), [Decimal(p.amount) for p in payments], as_of)


def _paid_off(lease: Lease, app: Application, payments: list[Payment]) -> bool:
    """The payments bought the flat out (as of the latest of them)."""
    return bool(payments) and _figures(lease, app, payments, payments[-1].paid_on).fully_paid


def _ledger(session: Session, lease: Lease, app: Application, on: date | None = None) -> dict[str, Any]:
    payments = repo.payments_of(session, lease.id)
    last = payments[-1].paid_on if payments else None
    if _paid_off(lease, app, payments):
        as_of: date | None = last  # closed that day: later instalments never come due
    else:
        as_of = max(d for d in (on, last) if d is not None) if (on or last) else None
    f = _figures(lease, app, payments, as_of)
    return {
        "lease_id": lease.id,
        "application_id": app.id,
        "as_of": as_of and as_of.isoformat(),
        "price": _money(f.price),
        "paid": _money(f.paid),
        "principal_paid": _money(f.principal_paid),
        "interest_paid": _money(f.interest_paid),
        "remaining_price": _money(f.remaining_price),
        "instalments_due": f.instalments_due,
        "instalments_covered": f.instalments_covered,
        "due_total": _money(f.due_total),
        "arrears": _money(f.arrears),
        "payoff": _money(f.payoff),
        "fully_paid": f.fully_paid,
        "rule": "interest of each instalment come due is owed first; everything else is purchase price",
        "payments": [
            {
                "id": p.id,
                "amount": _money(Decimal(p.amount)),
                "paid_on": p.paid_on.isoformat(),
                "reference": p.reference,
                "recorded_at": aware(p.recorded_at).isoformat(),
            }
            for p in payments
        ],
    }


def ledger(lease_id: str, user: User, on: date | None = None) -> dict[str, Any]:
    """The ledger; `on` quotes the figures (and the pay-off amount) for a later date."""
    with Session(get_engine()) as session:
        lease, app = _lease_and_app(session, lease_id, user, "applicant", "officer", "head")
        return _ledger(session, lease, app, on)


def record_payment(
    lease_id: str, user: User, amount: Decimal, paid_on: date, reference: str
) -> tuple[bool, dict[str, Any]]:
    """An officer records a tenant's payment; the same reference again changes nothing.

    Returns (created, ledger). Paying the purchase price in full drafts the release letter and
    asks the head to sign it."""
    require_role(user, "officer", "head")
    try:
        with transaction() as session:
            lease, app = _lease_and_app(session, lease_id, user, "officer", "head")
            existing = repo.payment_by_reference(session, lease.id, reference)
            if existing is not None:
                if Decimal(existing.amount) != amount or existing.paid_on != paid_on:
                    raise Problem(
                        409,
                        "payment.reference_conflict",
                        f"payment {reference} is recorded with other figures",
                    )
                return False, _ledger(session, lease, app)
            _check_payment(session, lease, app, amount, paid_on)
            session.add(
                Payment(
                    lease_id=lease.id,
                    amount=amount,
                    paid_on=paid_on,
                    reference=reference,
                    recorded_by=user.iin,
                )
            )
            session.flush()
            view = _ledger(session, lease, app)
            if view["fully_paid"]:
                _draft_letter(session, lease, app, view)
            return True, view
    except IntegrityError:  # the same reference recorded concurrently: answer as a repeat
        return False, ledger(lease_id, user)


def _check_payment(session: Session, lease: Lease, app: Application, amount: Decimal, paid_on: date) -> None:
    if app.status not in _PAYING or lease.signed_at is None:
        raise Problem(
            409, "application.wrong_state", f"payments are recorded on a signed lease, not {app.status}"
        )
    if paid_on > today():
        raise Problem(422, "payment.future_date", "a payment is recorded once it is made")
    if paid_on < local_date(aware(lease.signed_at)):
        raise Problem(422, "payment.before_lease", "the payment predates the lease")
    payments = repo.payments_of(session, lease.id)
    if _paid_off(lease, app, payments):
        raise Problem(409, "payment.lease_paid_off", "the flat is paid for: the ledger is closed")
    as_of = max([paid_on, *(p.paid_on for p in payments)])
    payoff = _figures(lease, app, payments, as_of).payoff
    if amount > payoff:
        raise Problem(
            422,
            "payment.exceeds_price",
            f"{_money(amount)} KZT is more than buys the flat out on {as_of}: {_money(payoff)} KZT",
            payoff=_money(payoff),
        )


def _draft_letter(session: Session, lease: Lease, app: Application, view: dict[str, Any]) -> None:
    """§29: the letter releasing the encumbrance — built from its inputs only (no clock), so it
    is the same bytes however often it is made."""
    settings = get_settings()
    content = canonical_bytes(
        {
            "type": "rent-to-own-release-letter",
            "version": 1,
            "lease": {"id": lease.id, "sha256": lease.sha256, "chain_index": lease.chain_index},
            "application_id": app.id,
            "cadastral_number": app.cadastral_number,
            "tenant": {"iin": app.applicant_iin, "name": app.applicant_name},
            "issuer": {"name": settings.housing_company_name, "bin": settings.housing_company_bin},
            "purchase_price": view["price"],
            "paid_total": view["paid"],
            "fully_paid_on": view["as_of"],
            "statement": "The purchase price is paid in full; the housing company releases the lease "
            "encumbrance and transfers the flat into the tenant's ownership.",
        }
    )
    session.add(
        SignedDocument(application_id=app.id, kind="letter", content=content, sha256=sha256_hex(content))
    )
    notify(
        session,
        settings.housing_company_bin,
        "buyout.letter_to_sign",
        f"Lease {lease.id} is paid in full: the release letter awaits the head's signature",
        ref=lease.id,
    )
    notify(
        session,
        app.applicant_iin,
        "buyout.fully_paid",
        f"The purchase price of {view['price']} KZT is paid in full; the housing company issues the release letter",
        ref=lease.id,
    )


def _letter(session: Session, app: Application) -> SignedDocument:
    letter = repo.signed_document_of(session, app.id, "letter")
    if letter is None:
        raise Problem(
            409, "buyout.not_fully_paid", "the release letter is issued once the purchase price is paid"
        )
    return letter


def release_letter(lease_id: str, user: User) -> bytes:
    with Session(get_engine()) as session:
        _, app = _lease_and_app(session, lease_id, user, "applicant", "officer", "head")
        return _letter(session, app).content


def letter_view(lease_id: str, user: User) -> dict[str, Any]:
    with Session(get_engine()) as session:
        _, app = _lease_and_app(session, lease_id, user, "applicant", "officer", "head")
        letter = _letter(session, app)
        return {
            "id": letter.id,
            "lease_id": lease_id,
            "sha256": letter.sha256,
            "media_type": LETTER_MEDIA_TYPE,
            "signed_at": letter.signed_at and aware(letter.signed_at).isoformat(),
            "chain_index": letter.chain_index,
            "cases": list_registrations(user, app.id),
        }


def release_letter_cms(lease_id: str, user: User) -> bytes:
    with Session(get_engine()) as session:
        _, app = _lease_and_app(session, lease_id, user, "applicant", "officer", "head")
        letter = _letter(session, app)
        if letter.cms is None:
            raise Problem(409, "buyout.letter_unsigned", "the head has not signed the release letter yet")
        return letter.cms


def sign_release_letter(lease_id: str, user: User, cms: str) -> dict[str, Any]:
    """The head signs the release letter (§29): `letter.issued` goes on the chain after commit,
    then the termination and ownership applications go to the gateway."""
    require_role(user, "head")
    with Session(get_engine()) as session:
        _, app = _lease_and_app(session, lease_id, user, "head")
        if app.status != Status.REGISTERED:
            raise Problem(
                409, "application.wrong_state", "the lease encumbrance must be registered to release it"
            )
        letter = _letter(session, app)
        content, signed_before = letter.content, letter.cms is not None
    if not signed_before:
        signed = verify_party(content, cms, expect_company())
        if signed.iin != user.iin:
            raise Problem(403, "signature.not_yours", "sign with your own key")
        with transaction() as session:
            stored = session.get(SignedDocument, letter.id)
            assert stored is not None
            if stored.cms is None:
                stored.cms, stored.signed_at = signed.cms_der, now()
                queue_chain_append(
                    session,
                    kind="letter.issued",
                    ref={"lease": lease_id, "application": app.id, "document": stored.id},
                    doc_sha256=stored.sha256,
                    media_type=LETTER_MEDIA_TYPE,
                    cms_sha256=sha256_hex(signed.cms_der),
                    target=("signed_document", stored.id),
                )
                notify(
                    session,
                    app.applicant_iin,
                    "buyout.letter_issued",
                    "The housing company signed the letter releasing the encumbrance",
                    ref=lease_id,
                )
    return submit_buyout(lease_id, user)


def submit_buyout(lease_id: str, user: User) -> dict[str, Any]:
    """§29: the termination (related to the lease's registration case) and the ownership
    transfer (related to the termination). Idempotent: the gateway returns cases already opened."""
    require_role(user, "officer", "head")
    with Session(get_engine()) as session:
        lease, app = _lease_and_app(session, lease_id, user, "officer", "head")
        letter = _letter(session, app)
        if letter.cms is None:
            raise Problem(409, "buyout.letter_unsigned", "the head signs the release letter first")
        registered = repo.registered_case(session, app.id, str(CaseKind.LEASE))
        if registered is None:
            raise Problem(409, "buyout.lease_not_registered", "no registered lease encumbrance to terminate")
        (report,) = reports(letter.content, letter.cms)
        representative = report.signer.iin if report.signer and report.signer.iin else user.iin
        letter_spec = document_spec("release-letter.json", letter.content, LETTER_MEDIA_TYPE, letter.cms)
        lease_spec = document_spec("lease.json", lease.content, LEASE_MEDIA_TYPE, lease.cms)
        ref, lease_case = letter.id, registered.id
    termination = open_case(
        app,
        CaseKind.TERMINATION,
        portal_ref=ref,
        representative_iin=representative,
        documents=[letter_spec],
        related_case=lease_case,
    )
    open_case(
        app,
        CaseKind.OWNERSHIP,
        portal_ref=ref,
        representative_iin=representative,
        documents=[lease_spec, letter_spec],
        related_case=termination,
    )
    return letter_view(lease_id, user)
