"""Use cases of the consent service, one transaction each.

Every status change goes through `_move`: it checks the lifecycle table, applies a conditional
UPDATE (so concurrent changes end in one consistent state), writes the transition line with
actor, channel, time and reason, and queues the notices (requester callback, chain entry) in
the outbox of the same transaction; they are dispatched only after commit.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from common.canonical import canonical_bytes
from common.db import session_scope
from common.entries import rfc3339
from common.ids import InvalidIdentifier, parse_iin
from common.outbox import add_message, after_commit
from common.problems import Problem
from consent import repository as repo
from consent.config import ConsentSettings
from consent.domain import links, otp
from consent.domain.artefact import ARTEFACT_MEDIA_TYPE, artefact_bytes, artefact_sha256, build_artefact
from consent.domain.enforcement import refuse_use, unknown_categories
from consent.domain.lifecycle import IN_FORCE, InvalidTransition, check_transition
from consent.models import Consent, ConsentUse, OtpChallenge, Outbox, Transition
from consent.schemas import (
    CATEGORIES,
    CaseClosed,
    CheckResult,
    ConsentRequest,
    ConsentStatus,
    ConsentView,
    OtpSent,
    SubjectLink,
    UseRequest,
    UseView,
)
from consent.signatures import SubjectSignatureVerifier
from consent.views import aware, consent_view, mask_iin, receipt, use_view

__all__ = ["Actor", "ConsentService"]

_log = logging.getLogger(__name__)
S = ConsentStatus

TOPIC_CHAIN = "chain.append"
TOPIC_CALLBACK = "requester.callback"
TOPIC_SMS = "sms"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who moves a consent and through which channel: recorded on every transition."""

    who: str  # "subject", "service:<name>"
    channel: str  # "eds", "otp", "page", "api:<caller>"


def _now() -> datetime:
    return datetime.now(UTC)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ConsentService:
    def __init__(
        self, engine: Engine, settings: ConsentSettings, dispatch: Callable[[list[str]], None]
    ) -> None:
        self.engine = engine
        self.settings = settings
        self._dispatch = dispatch

    # --- reading -------------------------------------------------------------------------

    def _load(self, session: Session, consent_id: str) -> Consent:
        consent = repo.get_consent(session, consent_id)
        if consent is None:
            raise Problem(404, "consent.not_found", f"No consent {consent_id}")
        return consent

    def get(self, consent_id: str) -> ConsentView:
        with session_scope(self.engine) as session:
            consent = self._load(session, consent_id)
            return consent_view(consent, repo.transitions_of(session, consent_id))

    def get_row(self, consent_id: str) -> Consent:
        with session_scope(self.engine) as session:
            return self._load(session, consent_id)

    def artefact_bytes(self, consent_id: str) -> bytes:
        return self.get_row(consent_id).artefact_json.encode()

    def list_for_subject(self, subject_iin: str, viewer: str | None = None) -> list[ConsentView]:
        """The subject's consents; for a service `viewer`, those it is a user of."""
        with session_scope(self.engine) as session:
            return [
                consent_view(c, repo.transitions_of(session, c.id))
                for c in repo.consents_for_subject(session, subject_iin)
                if viewer is None or viewer in c.users
            ]

    def authorise(self, consent_id: str, caller: str, *, for_subject: bool = False) -> None:
        """A service sees a consent only as one of its users, and acts for the subject (codes,
        grant, refusal, withdrawal, the subject's link) only as its requester: the service the
        subject is in front of."""
        consent = self.get_row(consent_id)
        if for_subject and caller != consent.requester:
            raise Problem(
                403, "consent.not_requester", f"only {consent.requester} acts for this consent's subject"
            )
        if caller not in consent.users:
            raise Problem(403, "consent.not_a_user", f"{caller} is not a user of this consent")

    def uses(self, consent_id: str) -> list[UseView]:
        with session_scope(self.engine) as session:
            self._load(session, consent_id)
            return [use_view(u) for u in repo.uses_of(session, consent_id)]

    def receipt(self, consent_id: str) -> dict[str, Any]:
        with session_scope(self.engine) as session:
            consent = self._load(session, consent_id)
            return receipt(
                consent, repo.transitions_of(session, consent_id), repo.uses_of(session, consent_id)
            )

    # --- requesting ----------------------------------------------------------------------

    def request(self, body: ConsentRequest, caller: str) -> tuple[ConsentView, bool]:
        """Create a PENDING consent; the open one for the same request is returned instead (False)."""
        if body.requester != caller:
            raise Problem(
                403, "consent.requester_mismatch", f"{caller} cannot ask on behalf of {body.requester}"
            )
        try:
            parse_iin(body.subject_iin)
        except InvalidIdentifier as exc:
            raise Problem(422, "consent.invalid_iin", str(exc), reason=exc.code) from None
        categories = list(CATEGORIES) if body.categories is None else body.categories
        if unknown := unknown_categories(categories):
            raise Problem(422, "consent.unknown_category", f"Unknown data categories: {', '.join(unknown)}")
        categories = [c for c in CATEGORIES if c in set(categories)]  # the form's order, no repeats
        with session_scope(self.engine, immediate=True) as session:
            existing = repo.find_open(session, body.subject_iin, body.purpose, caller, body.case_ref)
            if existing is not None:
                return consent_view(existing, repo.transitions_of(session, existing.id)), False
            now = _now()
            consent = Consent(
                subject_iin=body.subject_iin,
                subject_name=body.subject_name,
                purpose=body.purpose.value,
                requester=caller,
                case_ref=body.case_ref,
                phone=body.phone,
                lang=body.lang,
                categories=categories,
                users=sorted({caller, *self.settings.recipient_services}),
                status=S.PENDING.value,
                artefact_json="",
                artefact_sha256="",
                created_at=now,
                updated_at=now,
            )
            artefact = build_artefact(
                consent_id=consent.id,
                subject_iin=body.subject_iin,
                subject_name=body.subject_name,
                purpose=body.purpose.value,
                categories=categories,
                parties=self.settings.parties,
                case_ref=body.case_ref,
                requester=caller,
                lang=body.lang,
                requested_at=now,
            )
            consent.artefact_json = artefact_bytes(artefact).decode()
            consent.artefact_sha256 = artefact_sha256(artefact)
            session.add(consent)
            transition = Transition(
                consent_id=consent.id,
                from_status=None,
                to_status=S.PENDING.value,
                actor=f"service:{caller}",
                channel=f"api:{caller}",
                reason="consent requested",
                at=now,
            )
            session.add(transition)
            session.flush()
            return consent_view(consent, [transition]), True

    # --- the one way to change status ----------------------------------------------------

    def _move(
        self,
        session: Session,
        consent: Consent,
        target: ConsentStatus,
        actor: Actor,
        reason: str | None,
        **values: Any,
    ) -> None:
        current = ConsentStatus(consent.status)
        try:
            check_transition(current, target)
        except InvalidTransition as exc:
            raise Problem(
                409, "consent.invalid_transition", str(exc), current=current.value, target=target.value
            ) from None
        now = _now()
        if not repo.move(session, consent, {"status": target.value, "updated_at": now, **values}):
            latest = ConsentStatus(self._reload_status(consent.id))
            raise Problem(
                409,
                "consent.invalid_transition",
                f"the consent changed meanwhile (now {latest}); a {latest} consent cannot become {target}",
                current=latest.value,
                target=target.value,
            )
        session.add(
            Transition(
                consent_id=consent.id,
                from_status=current.value,
                to_status=target.value,
                actor=actor.who,
                channel=actor.channel,
                reason=reason,
                at=now,
            )
        )
        ids = [self._queue_callback(session, consent, target, now)]
        if target is S.ACTIVE:
            ids.append(self._queue_chain(session, consent, "consent.granted", "chain_index", now))
        elif target is S.REVOKED:
            ids.append(self._queue_chain(session, consent, "consent.revoked", "revocation_chain_index", now))
        self._after_commit(session, ids)

    def _reload_status(self, consent_id: str) -> str:
        with Session(self.engine) as session:
            consent = repo.get_consent(session, consent_id)
            return consent.status if consent else S.PENDING.value

    def _after_commit(self, session: Session, message_ids: list[str]) -> None:
        after_commit(session, lambda: self._dispatch(message_ids))

    def _queue_callback(self, session: Session, consent: Consent, status: ConsentStatus, at: datetime) -> str:
        payload = {
            "receiver": consent.requester,
            "body": {
                "consent_id": consent.id,
                "status": status.value,
                "subject_iin_masked": mask_iin(consent.subject_iin),
                "purpose": consent.purpose,
                "case_ref": consent.case_ref,
                "at": rfc3339(at),
            },
        }
        return add_message(session, Outbox, TOPIC_CALLBACK, payload).id

    def _queue_chain(self, session: Session, consent: Consent, kind: str, field: str, at: datetime) -> str:
        # Hashes and opaque ids only: the artefact and its evidence stay here.
        evidence_type = "cms" if consent.grant_channel == "eds" else "otp"
        evidence = (
            [{"type": evidence_type, "sha256": consent.evidence_sha256}] if consent.evidence_sha256 else []
        )
        if kind == "consent.revoked":
            decision = {"consent_id": consent.id, "status": "REVOKED", "at": rfc3339(at)}
            evidence.append({"type": "decision", "sha256": _sha256(canonical_bytes(decision))})
        payload = {
            "consent_id": consent.id,
            "store_index_in": field,
            "kind": kind,
            "ref": {"consent": consent.id, "case": consent.case_ref},
            "doc_sha256": consent.artefact_sha256,
            "media_type": ARTEFACT_MEDIA_TYPE,
            "evidence": evidence,
            # fixed now, so a retried append is byte-identical and lands on the same index
            "submitted_at": rfc3339(at),
        }
        return add_message(session, Outbox, TOPIC_CHAIN, payload).id

    # --- granting ------------------------------------------------------------------------

    def require_pending(self, consent: Consent) -> None:
        if consent.status != S.PENDING.value:
            raise Problem(
                409,
                "consent.invalid_transition",
                f"a {consent.status} consent cannot be granted",
                current=consent.status,
                target=S.ACTIVE.value,
            )

    def grant_with_cms(
        self, consent_id: str, cms_der: bytes, verifier: SubjectSignatureVerifier
    ) -> ConsentView:
        """Validate the subject's CMS over the artefact (slow: outside any transaction), then record
        the grant; a consent granted or refused meanwhile makes the conditional UPDATE fail (409)."""
        row = self.get_row(consent_id)
        self.require_pending(row)
        evidence = verifier.verify(row.artefact_json.encode(), cms_der, row.subject_iin)
        with session_scope(self.engine, immediate=True) as session:
            consent = self._load(session, consent_id)
            self._move(
                session,
                consent,
                S.ACTIVE,
                Actor("subject", "eds"),
                "signed with EDS",
                granted_at=_now(),
                grant_channel="eds",
                cms=cms_der,
                evidence_sha256=_sha256(cms_der),
                signer=evidence.as_dict(),
            )
            return consent_view(consent, repo.transitions_of(session, consent_id))

    def send_otp(self, consent_id: str) -> OtpSent:
        now = _now()
        code = otp.new_code()
        with session_scope(self.engine, immediate=True) as session:
            consent = self._load(session, consent_id)
            self.require_pending(consent)
            if not consent.phone:
                raise Problem(409, "consent.no_phone", "No phone number was given for this subject")
            challenge = repo.otp_of(session, consent_id)
            resend_at = (
                aware(challenge.sent_at) + timedelta(seconds=self.settings.otp_resend_after_s)
                if challenge
                else now
            )
            if challenge and challenge.used_at is None and resend_at > now:
                wait = int((resend_at - now).total_seconds()) + 1
                raise Problem(
                    429,
                    "consent.otp_too_soon",
                    "A code was sent just now",
                    headers={"Retry-After": str(wait)},
                )
            if challenge is None:
                challenge = OtpChallenge(consent_id=consent_id, code_mac="", expires_at=now)
                session.add(challenge)
            challenge.code_mac = otp.code_mac(self.settings.secret, consent_id, code)
            challenge.sent_at = now
            challenge.expires_at = now + otp.OTP_TTL
            challenge.attempts = 0
            challenge.used_at = None
            link = self._link(consent)
            text = f"RTO: {code} — келісім коды / код согласия / consent code. {link.url}"
            message = add_message(
                session, Outbox, TOPIC_SMS, {"to": consent.phone, "text": text, "consent_id": consent_id}
            )
            self._after_commit(session, [message.id])
            return OtpSent(
                consent_id=consent_id,
                phone_masked=otp.mask_phone(consent.phone),
                expires_at=now + otp.OTP_TTL,
            )

    def grant_with_otp(self, consent_id: str, code: str, channel: str = "otp") -> ConsentView:
        failure: Problem | None = None
        with session_scope(self.engine, immediate=True) as session:
            consent = self._load(session, consent_id)
            self.require_pending(consent)
            challenge = repo.otp_of(session, consent_id)
            now = _now()
            if challenge is None or challenge.used_at is not None:
                raise Problem(409, "consent.otp_not_sent", "Ask for a code first")
            if aware(challenge.expires_at) < now:
                raise Problem(422, "consent.otp_expired", "The code has expired; ask for a new one")
            if challenge.attempts >= otp.OTP_MAX_ATTEMPTS:
                raise Problem(429, "consent.otp_locked", "Too many wrong codes; ask for a new one")
            if not otp.verify_code(self.settings.secret, consent_id, code, challenge.code_mac):
                challenge.attempts += 1  # committed: the failed attempt counts
                left = otp.OTP_MAX_ATTEMPTS - challenge.attempts
                failure = Problem(422, "consent.otp_wrong", "The code is wrong", attempts_left=left)
            else:
                challenge.used_at = now
                record = {
                    "consent_id": consent_id,
                    "artefact_sha256": consent.artefact_sha256,
                    "channel": "otp",
                    "phone_sha256": _sha256((consent.phone or "").encode()),
                    "verified_at": rfc3339(now),
                }
                self._move(
                    session,
                    consent,
                    S.ACTIVE,
                    Actor("subject", channel),
                    "confirmed with a one-time code",
                    granted_at=now,
                    grant_channel="otp",
                    evidence_sha256=_sha256(canonical_bytes(record)),
                    signer=record,
                )
                view = consent_view(consent, repo.transitions_of(session, consent_id))
        if failure is not None:
            raise failure
        return view

    # --- rejecting, withdrawing, expiring ------------------------------------------------

    def reject(self, consent_id: str, reason: str, actor: Actor) -> ConsentView:
        with session_scope(self.engine, immediate=True) as session:
            consent = self._load(session, consent_id)
            self._move(session, consent, S.REJECTED, actor, reason, ended_at=_now())
            return consent_view(consent, repo.transitions_of(session, consent_id))

    def request_revocation(self, consent_id: str, reason: str, actor: Actor) -> ConsentView:
        with session_scope(self.engine, immediate=True) as session:
            consent = self._load(session, consent_id)
            self._move(session, consent, S.REVOCATION_REQUESTED, actor, reason, revocation_reason=reason)
            return consent_view(consent, repo.transitions_of(session, consent_id))

    def decide_revocation(self, consent_id: str, accept: bool, reason: str, caller: str) -> ConsentView:
        """The controller answers a withdrawal request (law art. 8(2): denial needs a legal reason)."""
        with session_scope(self.engine, immediate=True) as session:
            consent = self._load(session, consent_id)
            if caller != consent.requester:
                raise Problem(
                    403, "consent.not_controller", "Only the requesting controller decides on withdrawal"
                )
            actor = Actor(f"service:{caller}", f"api:{caller}")
            if accept:
                self._move(
                    session, consent, S.REVOKED, actor, reason, decision_reason=reason, ended_at=_now()
                )
            else:
                self._move(session, consent, S.REVOCATION_DENIED, actor, reason, decision_reason=reason)
            return consent_view(consent, repo.transitions_of(session, consent_id))

    def close_case(self, case_ref: str, caller: str) -> CaseClosed:
        """The service period of the case is over: every open consent bound to it expires."""
        expired: list[str] = []
        with session_scope(self.engine, immediate=True) as session:
            for consent in repo.consents_for_case(session, case_ref):
                if caller not in consent.users:
                    continue
                actor = Actor(f"service:{caller}", f"api:{caller}")
                self._move(session, consent, S.EXPIRED, actor, f"case {case_ref} closed", ended_at=_now())
                expired.append(consent.id)
        return CaseClosed(case_ref=case_ref, expired=expired)

    # --- enforcement ---------------------------------------------------------------------

    def check(self, subject_iin: str, purpose: str, requester: str) -> CheckResult:
        with session_scope(self.engine) as session:
            for consent in repo.in_force_for(session, subject_iin, purpose):
                if requester in consent.users:
                    return CheckResult(allowed=True, consent_id=consent.id, reason="ok")
            latest = repo.latest_for(session, subject_iin, purpose)
        if latest is None:
            return CheckResult(allowed=False, consent_id=None, reason="consent.none")
        if ConsentStatus(latest.status) in IN_FORCE:
            return CheckResult(allowed=False, consent_id=latest.id, reason="consent.requester_not_covered")
        return CheckResult(allowed=False, consent_id=latest.id, reason=f"consent.not_active:{latest.status}")

    def record_use(
        self, consent_id: str, body: UseRequest, caller: str, use_id: str | None
    ) -> tuple[UseView, bool]:
        """Log a declared use if the consent covers it; 403 otherwise. Same key → same log line."""
        if body.requester != caller:
            raise Problem(
                403, "consent.requester_mismatch", f"{caller} cannot declare uses for {body.requester}"
            )
        if unknown := unknown_categories(body.categories):
            raise Problem(422, "consent.unknown_category", f"Unknown data categories: {', '.join(unknown)}")
        with session_scope(self.engine, immediate=True) as session:
            consent = self._load(session, consent_id)
            if use_id and (previous := session.get(ConsentUse, use_id)) is not None:
                if previous.consent_id != consent_id:
                    raise Problem(409, "consent.use_id_reused", "This idempotency key names another use")
                return use_view(previous), False
            refusal = refuse_use(
                status=ConsentStatus(consent.status),
                consent_purpose=consent.purpose,
                covered=consent.categories,
                users=consent.users,
                requester=caller,
                purpose=body.purpose.value,
                categories=body.categories,
            )
            if refusal is not None:
                _log.warning("use refused on consent %s by %s: %s", consent_id, caller, refusal.code)
                raise Problem(403, refusal.code, refusal.detail, consent_status=consent.status)
            use = ConsentUse(
                consent_id=consent_id,
                requester=caller,
                purpose=body.purpose.value,
                categories=[c for c in CATEGORIES if c in set(body.categories)],
                detail=body.detail,
            )
            if use_id:
                use.id = use_id
            if repo.insert_use_once(session, use):
                return use_view(use), True
            # A retry with the same key committed first: answer with its line.
            previous = session.get(ConsentUse, use.id)
            if previous is None or previous.consent_id != consent_id:
                raise Problem(409, "consent.use_id_reused", "This idempotency key names another use")
            return use_view(previous), False

    # --- the subject's links -------------------------------------------------------------

    def _link(self, consent: Consent) -> SubjectLink:
        expires_at = _now() + timedelta(days=self.settings.link_ttl_days)
        token = links.make_token(self.settings.secret, consent.id, consent.subject_iin, expires_at)
        url = f"{self.settings.base_url}/subject/consents/{consent.id}?t={token}"
        return SubjectLink(consent_id=consent.id, url=url, token=token, expires_at=expires_at)

    def subject_link(self, consent_id: str) -> SubjectLink:
        return self._link(self.get_row(consent_id))

    def subject_of_token(self, token: str) -> str:
        """The IIN of the subject a link token was issued to; 403 when it is forged or stale."""
        claims = links.parse_token(token)
        if claims is not None:
            with session_scope(self.engine) as session:
                consent = repo.get_consent(session, claims.consent_id)
                if consent is not None and links.token_valid(
                    self.settings.secret, claims, consent.subject_iin
                ):
                    return consent.subject_iin
        raise Problem(403, "consent.link_invalid", "This link is not valid or has expired")

    def token_for(self, consent: Consent) -> str:
        return self._link(consent).token

    # --- delivery results ----------------------------------------------------------------

    def store_chain_index(self, consent_id: str, field: str, index: int) -> None:
        if field not in {"chain_index", "revocation_chain_index"}:
            raise ValueError(field)
        with session_scope(self.engine, immediate=True) as session:
            consent = self._load(session, consent_id)
            setattr(consent, field, index)
