"""The rent-to-own lease as a deterministic document, and the order in which it is signed.

The document is canonical JSON (RFC 8785) built only from its inputs — no clock, no random —
so the same inputs give the same bytes, and so the same hash every signer signs. Money is
written as strings with two decimals. Signing order (§17, §18): the applicant, then each
guarantor in the order they were invited, then the housing company's head.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from common.canonical import canonical_bytes
from portal.domain.schedule import Schedule, annuity_schedule

__all__ = [
    "LEASE_MEDIA_TYPE",
    "OrderViolation",
    "Party",
    "PartyRole",
    "lease_bytes",
    "lease_document",
    "next_party",
    "schedule_digest_source",
    "signed_schedule",
]

LEASE_MEDIA_TYPE = "application/vnd.rto.lease+json"
LEASE_VERSION = 1


class PartyRole(StrEnum):
    APPLICANT = "applicant"
    GUARANTOR = "guarantor"
    HEAD = "head"


@dataclass(frozen=True, slots=True)
class Party:
    role: PartyRole
    name: str
    iin: str | None = None  # individuals (and individual entrepreneurs)
    bin: str | None = None  # legal entities: an employer guarantor, the housing company

    def to_json(self) -> dict[str, str]:
        out = {"role": self.role.value, "name": self.name}
        if self.iin:
            out["iin"] = self.iin
        if self.bin:
            out["bin"] = self.bin
        return out

    def matches(self, iin: str | None, bin_: str | None) -> bool:
        if self.bin:
            return bin_ == self.bin
        return iin is not None and iin == self.iin


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def schedule_digest_source(schedule: Schedule) -> list[list[str]]:
    """The schedule as rows of strings: part of the signed document, so the signers sign the plan."""
    return [
        [
            str(r.number),
            r.due_date.isoformat(),
            _amount(r.payment),
            _amount(r.interest),
            _amount(r.principal),
            _amount(r.early_buyout),
        ]
        for r in schedule.rows
    ]


def lease_document(
    *,
    lease_id: str,
    application_id: str,
    concluded_on: date,
    parties: list[Party],
    flat: dict[str, str],
    schedule: Schedule,
) -> dict[str, Any]:
    return {
        "type": "rent-to-own-lease",
        "version": LEASE_VERSION,
        "lease_id": lease_id,
        "application_id": application_id,
        "concluded_on": concluded_on.isoformat(),
        "parties": [p.to_json() for p in parties],
        "flat": dict(sorted(flat.items())),
        "terms": {
            "price": _amount(schedule.principal),
            "annual_rate_percent": str(schedule.annual_rate_percent),
            "term_months": schedule.months,
            "instalment": _amount(schedule.instalment),
            "first_due": schedule.rows[0].due_date.isoformat(),
            "rounding": "HALF_EVEN to 0.01 KZT; the last instalment absorbs the residue",
            "early_buyout": "at the outstanding principal after the last paid instalment",
        },
        "schedule_columns": ["number", "due_date", "payment", "interest", "principal", "early_buyout"],
        "schedule": schedule_digest_source(schedule),
    }


def signed_schedule(content: bytes) -> Schedule:
    """The schedule the parties signed, rebuilt from the lease's own terms — not from today's
    rate or flat price, which may have changed since."""
    terms = json.loads(content)["terms"]
    return annuity_schedule(
        Decimal(terms["price"]),
        Decimal(terms["annual_rate_percent"]),
        int(terms["term_months"]),
        date.fromisoformat(terms["first_due"]),
    )


def lease_bytes(document: dict[str, Any]) -> bytes:
    return canonical_bytes(document)


class OrderViolation(Exception):
    """A signature arrived out of turn; `code` tells which way."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def next_party(parties: list[Party], signed: int, iin: str | None, bin_: str | None) -> Party:
    """The party this signer is, provided it is their turn; else an OrderViolation."""
    for position, party in enumerate(parties):
        if not party.matches(iin, bin_):
            continue
        if position < signed:
            raise OrderViolation("lease.already_signed", f"the {party.role} has already signed")
        if position > signed:
            waiting = parties[signed]
            raise OrderViolation(
                "lease.out_of_order", f"the {waiting.role} ({waiting.name}) must sign before the {party.role}"
            )
        return party
    raise OrderViolation("lease.not_a_party", "the signer is not a party to this lease")
