"""What every use case shares: the engine, the clock, the peers' clients, cabinet notices and
the outbox topics (SMS, chain appends) that leave after commit."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlmodel import Session

from chain.client import ChainClient
from common.calendar import local_date
from common.db import session_scope
from common.http_client import ServiceError, ServiceUnavailable
from common.outbox import add_message
from common.problems import Problem
from common.settings import service_url
from consent.client import ConsentClient
from portal.config import get_service_key
from portal.db import get_engine
from portal.models import Notice, Outbox
from portal.service.relay import TOPIC_CHAIN, TOPIC_SMS, relay
from registry_gateway.client import RegistryGatewayClient

__all__ = [
    "TOPIC_CHAIN",
    "TOPIC_SMS",
    "aware",
    "chain_client",
    "consent_client",
    "notify",
    "now",
    "peer_call",
    "queue_chain_append",
    "registry_client",
    "sha256_hex",
    "today",
    "transaction",
]


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in Kazakhstan, the date payments, documents, ages and deadlines are counted in."""
    return local_date(now())


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextmanager
def transaction() -> Iterator[Session]:
    """One use case's transaction; the outbox messages it adds leave after its commit (the relay:
    a Celery task each when distributed, else a wake-up of the relay thread)."""
    with session_scope(get_engine(), immediate=True) as session:
        relay.watch(session)
        yield session


def consent_client() -> ConsentClient:
    return ConsentClient(service_url("consent"), caller_key=get_service_key())


def registry_client() -> RegistryGatewayClient:
    return RegistryGatewayClient(service_url("registry_gateway"), caller_key=get_service_key())


def chain_client() -> ChainClient:
    return ChainClient(service_url("chain"), caller_key=get_service_key())


@contextmanager
def peer_call(what: str) -> Iterator[None]:
    """A peer's refusal becomes our problem with its code; an outage becomes a 503 to retry."""
    try:
        yield
    except ServiceUnavailable as exc:
        raise Problem(
            503, "peer.unavailable", f"{what} is unavailable", headers={"Retry-After": "5"}
        ) from exc
    except ServiceError as exc:
        status = exc.status if 400 <= exc.status < 500 else 502
        raise Problem(status, exc.code, f"{what}: {exc.problem.get('detail', '')}") from exc


def notify(
    session: Session,
    recipient: str,
    kind: str,
    text: str,
    *,
    ref: str | None = None,
    sms_to: str | None = None,
) -> Notice:
    """A cabinet notice, and an SMS too when a phone is given; both commit with the fact."""
    notice = Notice(recipient=recipient, kind=kind, text=text, ref=ref)
    session.add(notice)
    if sms_to:
        add_message(session, Outbox, TOPIC_SMS, {"to": sms_to, "text": text, "ref": notice.id})
    return notice


def queue_chain_append(
    session: Session,
    *,
    kind: str,
    ref: dict[str, str],
    doc_sha256: str,
    media_type: str,
    cms_sha256: str,
    target: tuple[str, str],
) -> None:
    """The chain entry leaves after commit; `target` (table, id) receives its index back."""
    add_message(
        session,
        Outbox,
        TOPIC_CHAIN,
        {
            "kind": kind,
            "ref": ref,
            "doc_sha256": doc_sha256,
            "media_type": media_type,
            "evidence": [{"type": "cms", "sha256": cms_sha256}],
            # fixed now, so every retry signs the same body and lands on the same index
            "submitted_at": now().isoformat(),
            "target": list(target),
        },
    )
