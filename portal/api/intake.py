"""The akimat's list and the flats on offer: the housing company's officers only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Session, select

from common.problems import Problem
from portal.api.deps import current_user
from portal.config import get_settings
from portal.db import get_engine
from portal.models import Flat
from portal.schemas import FlatIn
from portal.service.access import require_role
from portal.service.auth import User
from portal.service.base import peer_call, registry_client, transaction
from portal.service.intake import load_list

router = APIRouter(prefix="/v1", tags=["intake"])


@router.post(
    "/lists",
    status_code=201,
    summary="Load an akimat list (body: CSV `iin,category,phone` or JSON rows)",
    openapi_extra={"requestBody": {"content": {"text/csv": {}, "application/json": {}}}},
)
async def upload_list(
    request: Request,
    akimat: str = Query(min_length=1, max_length=200),
    received_on: date | None = Query(default=None, description="when the housing company received it"),
    user: User = Depends(current_user),
) -> dict[str, Any]:
    require_role(user, "officer")
    data = await request.body()
    if len(data) > 5 * 1024 * 1024:
        raise Problem(413, "list.too_large", "a list is at most 5 MB")
    media_type = request.headers.get("content-type", "text/csv").split(";")[0].strip()
    return load_list(
        officer_iin=user.iin, data=data, media_type=media_type, akimat=akimat, received_on=received_on
    )


def flat_view(flat: Flat) -> dict[str, Any]:
    return {
        "cadastral_number": flat.cadastral_number,
        "price": f"{Decimal(flat.price):.2f}",
        "address": flat.address,
        "rooms": flat.rooms,
        "total_area": flat.total_area,
        "available": flat.reserved_by is None,
    }


@router.post("/flats", status_code=201, summary="Offer a flat: its facts come from the cadastre")
def offer_flat(body: FlatIn, user: User = Depends(current_user)) -> dict[str, Any]:
    require_role(user, "officer")
    with peer_call("the cadastre"), registry_client() as registry:
        record = registry.property(body.cadastral_number)
    if record.owner_bin != get_settings().housing_company_bin:
        raise Problem(422, "flat.not_owned", "the cadastre does not show the housing company as the owner")
    with transaction() as session:
        flat = session.get(Flat, body.cadastral_number) or Flat(
            cadastral_number=body.cadastral_number, price=body.price, address="", rooms=0, total_area=""
        )
        flat.price, flat.address, flat.rooms = body.price, record.address, record.rooms
        flat.total_area = f"{record.total_area}"
        session.add(flat)
        return flat_view(flat)


@router.get("/flats", summary="Flats on offer")
def flats() -> list[dict[str, Any]]:
    with Session(get_engine()) as session:
        return [flat_view(f) for f in session.exec(select(Flat).order_by(Flat.cadastral_number)).all()]
