"""The akimat's list and the flats on offer: the housing company's officers only."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from common.problems import Problem
from portal.api.deps import current_user
from portal.schemas import FlatIn
from portal.service import intake
from portal.service.access import require_role
from portal.service.auth import User

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
    return intake.load_list(
        officer_iin=user.iin, data=data, media_type=media_type, akimat=akimat, received_on=received_on
    )


@router.post("/flats", status_code=201, summary="Offer a flat: its facts come from the cadastre")
def offer_flat(body: FlatIn, user: User = Depends(current_user)) -> dict[str, Any]:
    require_role(user, "officer")
    return intake.offer_flat(body.cadastral_number, body.price)


@router.get("/flats", summary="Flats on offer")
def flats() -> list[dict[str, Any]]:
    return intake.flats_on_offer()
