"""Loading the akimat's list (§6, §7): accounts, invitations by SMS, and the two deadlines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from common.calendar import add_calendar_days, add_working_days, deadline_end_of_day
from common.problems import Problem
from portal import repository as repo
from portal.config import get_settings
from portal.db import get_engine
from portal.domain.intake import ListFormatError, RowError, parse_list
from portal.models import Account, AkimatList, Flat
from portal.service.base import aware, notify, now, peer_call, registry_client, sha256_hex, today, transaction

__all__ = ["flat_view", "flats_on_offer", "invitation_sms", "load_list", "offer_flat"]


def invitation_sms(apply_by: date, url: str) -> str:
    day = apply_by.strftime("%d.%m.%Y")
    return (
        f"ҚТҚ: сіз жалдау-сатып алу бағдарламасының тізіміндесіз. Өтінімді {day} дейін беріңіз: {url}\n"
        f"КЖК: вы в списке программы аренды с выкупом. Подайте заявку до {day}: {url}"
    )


def load_list(
    *, officer_iin: str, data: bytes, media_type: str, akimat: str, received_on: date | None
) -> dict[str, Any]:
    settings = get_settings()
    current = today()
    received = received_on or current
    if received > current:
        raise Problem(422, "list.received_in_future", "the list cannot have been received after today")
    try:
        parsed = parse_list(data, media_type, today=current)
    except (ListFormatError, UnicodeDecodeError) as exc:
        raise Problem(422, "list.unreadable", str(exc)) from None
    errors = list(parsed.errors)
    load_deadline = deadline_end_of_day(add_working_days(received, settings.load_within_working_days))
    apply_by_day = add_calendar_days(current, settings.apply_within_days)
    apply_by = deadline_end_of_day(apply_by_day)
    loaded = 0
    with transaction() as session:
        record = AkimatList(
            akimat=akimat,
            received_on=received,
            load_deadline=load_deadline,
            loaded_late=now() > load_deadline,
            loaded_by=officer_iin,
            source_sha256=sha256_hex(data),
            rows_total=len(parsed.rows) + len({e.row for e in parsed.errors}),
            rows_loaded=0,
        )
        session.add(record)
        existing = repo.accounts_of(session, [r.iin for r in parsed.rows])
        for row in parsed.rows:
            account = existing.get(row.iin)
            if account is not None and (
                now() <= aware(account.apply_by) or repo.application_of(session, row.iin) is not None
            ):
                errors.append(
                    RowError(
                        row.row, "iin", "list.already_invited", "this person was invited by an earlier list"
                    )
                )
                continue
            if account is None:
                account = Account(
                    iin=row.iin,
                    category=row.category.value,
                    phone=row.phone,
                    list_id=record.id,
                    apply_by=apply_by,
                )
                session.add(account)
            else:  # relisted after the window lapsed unused: a new window (§7)
                account.category, account.phone = row.category.value, row.phone
                account.list_id, account.apply_by = record.id, apply_by
            notify(
                session,
                row.iin,
                "invitation",
                invitation_sms(apply_by_day, settings.public_base_url),
                ref=account.id,
                sms_to=row.phone,
            )
            loaded += 1
        record.rows_loaded = loaded
        record.errors = [_error(e) for e in sorted(errors, key=lambda e: e.row)]
    return {
        "list_id": record.id,
        "rows_total": record.rows_total,
        "rows_loaded": loaded,
        "errors": record.errors,
        "received_on": received.isoformat(),
        "load_deadline": load_deadline.isoformat(),
        "loaded_late": record.loaded_late,
        "apply_by": apply_by.isoformat(),
    }


def _error(error: RowError) -> dict[str, Any]:
    return {"row": error.row, "field": error.field, "code": error.code, "detail": error.detail}


def flat_view(flat: Flat) -> dict[str, Any]:
    return {
        "cadastral_number": flat.cadastral_number,
        "price": f"{Decimal(flat.price):.2f}",
        "address": flat.address,
        "rooms": flat.rooms,
        "total_area": flat.total_area,
        "available": flat.reserved_by is None,
    }


def offer_flat(cadastral_number: str, price: Decimal) -> dict[str, Any]:
    """Offer (or re-price) a flat the cadastre shows the housing company owning; address, rooms
    and area are the cadastre's."""
    with peer_call("the cadastre"), registry_client() as registry:
        record = registry.property(cadastral_number)
    if record.owner_bin != get_settings().housing_company_bin:
        raise Problem(422, "flat.not_owned", "the cadastre does not show the housing company as the owner")
    with transaction() as session:
        flat = session.get(Flat, cadastral_number) or Flat(
            cadastral_number=cadastral_number, price=price, address="", rooms=0, total_area=""
        )
        if flat.reserved_by is not None and flat.price != price:
            raise Problem(409, "flat.reserved", "a reserved flat keeps the price its applicant applied for")
        flat.price, flat.address, flat.rooms = price, record.address, record.rooms
        flat.total_area = f"{record.total_area}"
        session.add(flat)
        return flat_view(flat)


def flats_on_offer() -> list[dict[str, Any]]:
    with Session(get_engine()) as session:
        return [flat_view(f) for f in repo.flats(session)]
