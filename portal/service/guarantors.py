"""Guarantors (§11, §12): invited by IIN or BIN, each consents, is checked for eligibility
from the state systems, declares an income, and signs the frozen application with EDS."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from common.ids import InvalidIdentifier, parse_bin, parse_iin
from common.problems import Problem
from portal import repository as repo
from portal.db import get_engine
from portal.domain.retirement import GuarantorKind, Residency, guarantor_ineligibility
from portal.models import Application, Guarantor
from portal.service.access import load_application
from portal.service.applications import APPLICATION_PURPOSE, application_view, guarantor_view
from portal.service.assessment import lease_end
from portal.service.auth import User
from portal.service.base import consent_client, notify, now, peer_call, registry_client, today, transaction
from portal.signatures import expect_entity, expect_individual, verify_party

__all__ = [
    "guarantor_artefact",
    "guarantor_grant",
    "guarantor_income",
    "guarantor_sign",
    "invite_guarantor",
    "my_guarantees",
]


def invite_guarantor(application_id: str, user: User, kind: str, identifier: str) -> dict[str, Any]:
    try:
        kind_ = GuarantorKind(kind)
    except ValueError:
        raise Problem(422, "guarantor.kind", "kind is individual, entrepreneur or employer") from None
    try:
        value = (
            parse_bin(identifier).value if kind_ is GuarantorKind.EMPLOYER else parse_iin(identifier).value
        )
    except InvalidIdentifier as exc:
        raise Problem(422, exc.code, str(exc)) from None
    if value == user.iin:
        raise Problem(422, "guarantor.self", "an applicant cannot guarantee their own lease")
    name = ""
    if kind_ is GuarantorKind.EMPLOYER:  # a legal entity's register data is public: no consent
        with peer_call("the legal entities database"), registry_client() as registry:
            name = registry.legal_entity(value).name_ru
    with transaction() as session:
        app = load_application(session, application_id, user, "applicant")
        if app.status != "draft" or app.document is not None:
            raise Problem(
                409, "application.frozen", "guarantors are invited before the application is finalised"
            )
        if repo.is_guarantor_of(session, app.id, value):
            raise Problem(409, "guarantor.exists", "this guarantor is already invited")
        count = repo.guarantor_count(session, app.id)
        guarantor = Guarantor(
            application_id=app.id,
            position=count + 1,
            kind=kind_.value,
            identifier=value,
            name=name,
            consent_status="NOT_REQUIRED" if kind_ is GuarantorKind.EMPLOYER else None,
        )
        session.add(guarantor)
        notify(
            session,
            value,
            "guarantor.invited",
            f"{app.applicant_name} asks you to guarantee a rent-to-own lease (application {app.id})",
            ref=app.id,
        )
    return application_view(application_id, user)


def _load(session: Session, guarantor_id: str, user: User) -> tuple[Guarantor, Application]:
    g = session.get(Guarantor, guarantor_id)
    if g is None or g.identifier != user.guarantor_identifier:
        raise Problem(404, "guarantor.not_found", "no such guarantee among yours")
    app = session.get(Application, g.application_id)
    assert app is not None
    return g, app


def _ensure_consent(guarantor_id: str, user: User) -> str:
    with Session(get_engine()) as session:
        g, app = _load(session, guarantor_id, user)
        if g.kind == GuarantorKind.EMPLOYER:
            raise Problem(409, "guarantor.consent_not_required", "an employer gives no personal-data consent")
        if g.consent_id:
            return g.consent_id
    with peer_call("the consent service"), consent_client() as consent:
        view = consent.request_consent(user.iin, user.name, APPLICATION_PURPOSE, "portal", app.id)
    with transaction() as session:
        g, _ = _load(session, guarantor_id, user)
        g.consent_id, g.consent_status = view.id, view.status.value
    return view.id


def guarantor_artefact(guarantor_id: str, user: User) -> bytes:
    consent_id = _ensure_consent(guarantor_id, user)
    with peer_call("the consent service"), consent_client() as consent:
        return consent.artefact_bytes(consent_id)


def guarantor_grant(guarantor_id: str, user: User, cms_der: bytes) -> dict[str, Any]:
    consent_id = _ensure_consent(guarantor_id, user)
    with peer_call("the consent service"), consent_client() as consent:
        view = consent.grant_with_cms(consent_id, cms_der)
    lookup = {"purpose": APPLICATION_PURPOSE, "consent_id": consent_id}
    state: dict[str, Any] = {}
    if view.in_force:
        with peer_call("the state systems"), registry_client() as registry:
            person = registry.person(user.iin, **lookup)
            state = {
                "person": person.model_dump(mode="json"),
                "family": registry.family(user.iin, **lookup).model_dump(mode="json"),
                "credit": registry.credit_history(user.iin, **lookup).model_dump(mode="json"),
            }
    with transaction() as session:
        g, app = _load(session, guarantor_id, user)
        g.consent_status = view.status.value
        if state:
            person = state["person"]
            g.state_data = state
            g.name = person["name_ru"]["surname"] + " " + person["name_ru"]["given_name"]
            residency = (
                Residency.CITIZEN
                if person["citizenship"] == "KZ"
                else Residency.RESIDENCE_PERMIT
                if person.get("residence_permit")
                else Residency.OTHER
            )
            g.ineligible = [
                list(r)
                for r in guarantor_ineligibility(
                    kind=GuarantorKind(g.kind),
                    birth=date.fromisoformat(person["birth_date"]),
                    sex=person["sex"],
                    residency=residency,
                    today=today(),
                    lease_end=lease_end(app),
                )
            ]
        return guarantor_view(g)


def guarantor_income(guarantor_id: str, user: User, monthly_income: Decimal) -> dict[str, Any]:
    with transaction() as session:
        g, app = _load(session, guarantor_id, user)
        if app.document is not None:
            raise Problem(409, "application.frozen", "the application is finalised")
        g.monthly_income = monthly_income
        return guarantor_view(g)


def guarantor_sign(guarantor_id: str, user: User, cms: str) -> dict[str, Any]:
    with Session(get_engine()) as session:
        g, app = _load(session, guarantor_id, user)
        document, kind, identifier = app.document, g.kind, g.identifier
    if document is None:
        raise Problem(409, "application.not_finalised", "the applicant has not finalised the application yet")
    expected = expect_entity(identifier) if kind == GuarantorKind.EMPLOYER else expect_individual(identifier)
    signed = verify_party(document, cms, expected)
    with transaction() as session:
        g, app = _load(session, guarantor_id, user)
        if app.document != document:
            raise Problem(409, "application.changed", "the application changed while you signed; sign again")
        if g.signed_at is not None:
            raise Problem(409, "guarantor.already_signed", "you have already signed this application")
        g.cms, g.signed_at = signed.cms_der, now()
        notify(session, app.applicant_iin, "guarantor.signed", f"Guarantor {g.position} signed", ref=app.id)
        return guarantor_view(g)


def my_guarantees(user: User) -> list[dict[str, Any]]:
    if user.guarantor_identifier is None:
        return []
    with Session(get_engine()) as session:
        return [
            {**guarantor_view(g), "application_id": g.application_id}
            for g in repo.guarantees_by(session, user.guarantor_identifier)
        ]
