"""Logging in with EDS (a challenge signed with the authentication key) and the roles a
session carries: officer and head are recognised by the housing company's BIN in an
organisation certificate (head: the head's or an authorised signer's role); applicant and
guarantor by the akimat list and the guarantor invitations, looked up on every request so a
role granted after login counts at once."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from common.eds import Role, new_challenge
from common.problems import Problem
from portal import repository as repo
from portal.config import get_settings
from portal.db import get_engine
from portal.models import LoginChallenge, Notice, SessionToken
from portal.service.base import aware, now, transaction
from portal.signatures import login_identity

__all__ = [
    "CHALLENGE_TTL",
    "User",
    "issue_challenge",
    "log_in",
    "log_out",
    "mark_notice_read",
    "user_for_token",
]

CHALLENGE_TTL = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class User:
    iin: str
    bin: str | None
    name: str
    roles: frozenset[str]

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def identifier(self) -> str:
        """Whom this user acts for: the entity's BIN with an organisation key, else the IIN."""
        return self.bin or self.iin

    @property
    def guarantor_identifier(self) -> str | None:
        """Whose guarantees this user handles: a person's own; an organisation's only with its
        head's or a signatory's key (an employee's key commits the employer to nothing)."""
        if self.bin is None:
            return self.iin
        return self.bin if "signatory" in self.roles else None


def _challenge_bytes(row: LoginChallenge) -> bytes:
    return bytes.fromhex(row.nonce)


def issue_challenge() -> dict[str, str]:
    with transaction() as session:
        row = LoginChallenge(nonce=new_challenge().hex(), expires_at=now() + CHALLENGE_TTL)
        session.add(row)
    return {
        "challenge_id": row.id,
        "challenge_b64": base64.b64encode(_challenge_bytes(row)).decode(),
        "expires_at": row.expires_at.isoformat(),
    }


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_in(challenge_id: str, cms: str) -> tuple[str, User]:
    settings = get_settings()
    with transaction() as session:
        challenge = session.get(LoginChallenge, challenge_id)
        if challenge is None or challenge.used_at is not None:
            raise Problem(
                401, "auth.challenge_unknown", "unknown or already used challenge; ask for a new one"
            )
        if aware(challenge.expires_at) < now():
            raise Problem(401, "auth.challenge_expired", "the challenge expired; ask for a new one")
        challenge.used_at = now()
    identity = login_identity(cms, _challenge_bytes(challenge))
    base_roles: set[str] = set()
    may_sign = bool({Role.HEAD, Role.MAY_SIGN} & set(identity.roles))
    if identity.bin == settings.housing_company_bin:
        base_roles.add("officer")
        if may_sign:
            base_roles.add("head")
    elif identity.bin is not None and may_sign:
        base_roles.add("signatory")
    token = secrets.token_urlsafe(32)
    with transaction() as session:
        session.add(
            SessionToken(
                token_sha256=_token_hash(token),
                iin=identity.iin,
                bin=identity.bin,
                name=identity.common_name or identity.iin,
                roles=sorted(base_roles),
                expires_at=now() + timedelta(hours=settings.session_hours),
            )
        )
    user = user_for_token(token)
    assert user is not None
    return token, user


def log_out(token: str) -> None:
    with transaction() as session:
        row = session.get(SessionToken, _token_hash(token))
        if row is not None:
            session.delete(row)


def user_for_token(token: str) -> User | None:
    with Session(get_engine()) as session:
        row = session.get(SessionToken, _token_hash(token))
        if row is None or aware(row.expires_at) < now():
            return None
        roles = set(row.roles)
        if row.bin is None and repo.has_account(session, row.iin):
            roles.add("applicant")
        user = User(iin=row.iin, bin=row.bin, name=row.name, roles=frozenset(roles))
        if user.guarantor_identifier and repo.is_guarantor(session, user.guarantor_identifier):
            roles.add("guarantor")
        return User(iin=row.iin, bin=row.bin, name=row.name, roles=frozenset(roles))


def mark_notice_read(notice_id: str, user: User) -> dict[str, str]:
    """Confirm receipt; the first confirmation's date is kept."""
    with transaction() as session:
        notice = session.get(Notice, notice_id)
        if notice is None or notice.recipient not in (user.identifier, "officer"):
            raise Problem(404, "notice.not_found", "no such notice")
        notice.read_at = notice.read_at or now()
        return {"id": notice.id, "read_at": aware(notice.read_at).isoformat()}
