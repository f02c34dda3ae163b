"""The lease (§17, §18): drafted on approval as a deterministic document, signed in order
applicant → guarantors → head with the party check on every signature, merged into one CMS,
recorded on the chain as `lease.signed`, its receipt kept; and the public verification."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session

from common.eds import merge
from common.http_client import ServiceError
from common.problems import Problem
from portal import repository as repo
from portal.config import get_settings
from portal.db import get_engine
from portal.domain.lease import (
    LEASE_MEDIA_TYPE,
    OrderViolation,
    Party,
    PartyRole,
    lease_bytes,
    lease_document,
    next_party,
)
from portal.domain.property_tax import tax_schedule
from portal.domain.schedule import annuity_schedule
from portal.domain.states import Status, advance
from portal.models import Application, Flat, Lease, LeaseSignature
from portal.service.access import load_application
from portal.service.auth import User
from portal.service.base import (
    aware,
    chain_client,
    notify,
    now,
    queue_chain_append,
    sha256_hex,
    today,
    transaction,
)
from portal.signatures import checked, expect_company, expect_entity, expect_individual, verify_single

__all__ = [
    "create_lease",
    "lease_for_application",
    "lease_for_user",
    "lease_id_for",
    "lease_receipt",
    "lease_view",
    "schedules",
    "sign_lease",
]


def _schedule(app: Application, price: Decimal):
    return annuity_schedule(price, get_settings().annual_rate_percent, app.term_months, app.first_due)


def create_lease(session: Session, app: Application) -> Lease:
    """Draft the lease on approval: the parties in signing order, the flat, the schedule."""
    settings = get_settings()
    flat = session.get(Flat, app.cadastral_number)
    assert flat is not None
    guarantors = repo.guarantors_of(session, app.id)
    parties = [Party(PartyRole.APPLICANT, app.applicant_name, iin=app.applicant_iin)]
    for g in guarantors:
        if g.kind == "employer":
            parties.append(Party(PartyRole.GUARANTOR, g.name, bin=g.identifier))
        else:
            parties.append(Party(PartyRole.GUARANTOR, g.name, iin=g.identifier))
    parties.append(Party(PartyRole.HEAD, settings.housing_company_name, bin=settings.housing_company_bin))
    lease = Lease(application_id=app.id, content=b"", sha256="", price=flat.price)
    document = lease_document(
        lease_id=lease.id,
        application_id=app.id,
        concluded_on=today(),
        parties=parties,
        flat={
            "cadastral_number": flat.cadastral_number,
            "address": flat.address,
            "rooms": str(flat.rooms),
            "total_area": flat.total_area,
        },
        schedule=_schedule(app, Decimal(flat.price)),
    )
    lease.content = lease_bytes(document)
    lease.sha256 = sha256_hex(lease.content)
    lease.parties = [p.to_json() for p in parties]
    session.add(lease)
    return lease


def _parties(lease: Lease) -> list[Party]:
    return [Party(PartyRole(p["role"]), p["name"], iin=p.get("iin"), bin=p.get("bin")) for p in lease.parties]


def lease_for_application(session: Session, application_id: str) -> Lease:
    lease = repo.lease_of(session, application_id)
    if lease is None:
        raise Problem(404, "lease.not_found", "no lease for this application yet")
    return lease


def _load_lease(session: Session, lease_id: str, user: User) -> tuple[Lease, Application]:
    lease = session.get(Lease, lease_id)
    if lease is None:
        raise Problem(404, "lease.not_found", "no such lease")
    app = load_application(session, lease.application_id, user)
    return lease, app


def lease_id_for(application_id: str, user: User) -> str:
    """The lease of an application its participant may see."""
    with Session(get_engine()) as session:
        load_application(session, application_id, user)
        return lease_for_application(session, application_id).id


def lease_for_user(lease_id: str, user: User) -> Lease:
    """A lease, for the participants of its application only."""
    with Session(get_engine()) as session:
        return _load_lease(session, lease_id, user)[0]


def schedules(application_id: str, user: User) -> dict[str, Any]:
    """The preliminary payment schedule and the property-tax estimate (§17), once approved."""
    with Session(get_engine()) as session:
        app = load_application(session, application_id, user)
        if app.status in (Status.DRAFT, Status.SUBMITTED, Status.PRELIMINARY_REFUSAL, Status.REFUSED):
            raise Problem(
                409, "application.not_approved", "schedules are shown once the application is approved"
            )
        flat = session.get(Flat, app.cadastral_number)
        assert flat is not None
        price = Decimal(flat.price)
    schedule = _schedule(app, price)
    taxes = tax_schedule(price, app.first_due, app.term_months)
    return {
        "price": f"{price:.2f}",
        "annual_rate_percent": f"{schedule.annual_rate_percent}",
        "term_months": schedule.months,
        "instalment": f"{schedule.instalment}",
        "total_interest": f"{schedule.total_interest}",
        "total_paid": f"{schedule.total_paid}",
        "rounding": "HALF_EVEN to the tiyn; the last instalment absorbs the residue",
        "rows": [
            {
                "number": r.number,
                "due_date": r.due_date.isoformat(),
                "payment": f"{r.payment}",
                "interest": f"{r.interest}",
                "principal": f"{r.principal}",
                "early_buyout": f"{r.early_buyout}",
            }
            for r in schedule.rows
        ],
        "property_tax": {
            "estimate": True,
            "basis": "individual property tax brackets (Tax Code 2017 art. 529) on the flat's price",
            "years": [
                {
                    "year": t.year,
                    "months": t.months,
                    "estimate": f"{t.estimate}",
                    "due_by": t.due_by.isoformat(),
                }
                for t in taxes
            ],
        },
    }


def sign_lease(lease_id: str, user: User, cms: str) -> dict[str, Any]:
    with Session(get_engine()) as session:
        lease, _ = _load_lease(session, lease_id, user)
        content, parties, signed_count = lease.content, _parties(lease), lease.signatures
        if lease.signed_at is not None:
            raise Problem(409, "lease.already_signed", "every party has signed this lease")
    report, der = verify_single(content, cms)
    holder = report.signer
    assert holder is not None
    if holder.iin != user.iin:
        raise Problem(403, "signature.not_yours", "sign with your own key")
    try:
        party = next_party(parties, signed_count, holder.iin, holder.bin)
    except OrderViolation as exc:
        raise Problem(403 if exc.code == "lease.not_a_party" else 409, exc.code, exc.detail) from None
    if party.role is PartyRole.HEAD:
        expected = expect_company()
    elif party.bin:
        expected = expect_entity(party.bin)
    else:
        assert party.iin is not None
        expected = expect_individual(party.iin)
    signed = checked(report, der, expected)
    with transaction() as session:
        lease = session.get(Lease, lease_id)
        assert lease is not None
        if lease.signatures != signed_count:
            raise Problem(409, "lease.concurrent_signature", "another signature arrived first; try again")
        session.add(
            LeaseSignature(
                lease_id=lease.id,
                position=signed_count,
                role=party.role.value,
                iin=signed.iin,
                bin=signed.bin,
                cms=signed.cms_der,
                report=signed.report,
            )
        )
        lease.signatures = signed_count + 1
        app = session.get(Application, lease.application_id)
        assert app is not None
        if lease.signatures == len(parties):
            _complete(session, lease, app)
        else:
            following = parties[lease.signatures]
            notify(
                session,
                following.bin or following.iin or "",
                "lease.sign",
                f"The lease for application {app.id} awaits your signature",
                ref=lease.id,
            )
    return lease_view(lease_id, user)


def _complete(session: Session, lease: Lease, app: Application) -> None:
    lease.cms = merge([s.cms for s in repo.lease_signatures(session, lease.id)])
    lease.signed_at = now()
    app.status = advance(Status(app.status), Status.LEASE_SIGNED)
    queue_chain_append(
        session,
        kind="lease.signed",
        ref={"lease": lease.id, "application": app.id, "cadastral_number": app.cadastral_number},
        doc_sha256=lease.sha256,
        media_type=LEASE_MEDIA_TYPE,
        cms_sha256=sha256_hex(lease.cms),
        target=("lease", lease.id),
    )
    phone = repo.phone_of(session, app.applicant_iin)
    notify(
        session,
        app.applicant_iin,
        "lease.signed",
        "The lease is signed by every party",
        ref=lease.id,
        sms_to=phone,
    )


def lease_receipt(lease_id: str, user: User | None) -> str:
    """The chain receipt of the lease; fetched once its entry is covered by a cosigned checkpoint."""
    with Session(get_engine()) as session:
        lease = session.get(Lease, lease_id)
        if lease is None:
            raise Problem(404, "lease.not_found", "no such lease")
        if user is not None:
            load_application(session, lease.application_id, user)
        if lease.receipt:
            return lease.receipt
        index = lease.chain_index
    if index is None:
        raise Problem(
            409, "receipt.not_ready", "the lease is not on the chain yet", headers={"Retry-After": "2"}
        )
    try:
        with chain_client() as chain:
            receipt = chain.receipt(index)
    except ServiceError as exc:
        raise Problem(
            409,
            "receipt.not_ready",
            f"the chain has no receipt yet ({exc.code})",
            headers={"Retry-After": "5"},
        ) from None
    with transaction() as session:
        stored = session.get(Lease, lease_id)
        assert stored is not None
        stored.receipt = receipt
    return receipt


def lease_view(lease_id: str, user: User) -> dict[str, Any]:
    with Session(get_engine()) as session:
        lease, _app = _load_lease(session, lease_id, user)
        signatures = repo.lease_signatures(session, lease.id)
        return {
            "id": lease.id,
            "application_id": lease.application_id,
            "sha256": lease.sha256,
            "media_type": LEASE_MEDIA_TYPE,
            "parties": lease.parties,
            "signed": [
                {
                    "position": s.position,
                    "role": s.role,
                    "iin": s.iin,
                    "bin": s.bin,
                    "signed_at": aware(s.signed_at).isoformat(),
                }
                for s in signatures
            ],
            "next": lease.parties[lease.signatures] if lease.signatures < len(lease.parties) else None,
            "signed_at": lease.signed_at and aware(lease.signed_at).isoformat(),
            "chain_index": lease.chain_index,
            "verify_url": verify_url(lease.sha256, lease.chain_index),
        }


def verify_url(sha256: str, index: int | None) -> str:
    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/verify?sha256={sha256}" + (f"&index={index}" if index is not None else "")
