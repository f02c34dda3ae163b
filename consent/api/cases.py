"""`/v1/cases`: the end of a service period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from consent.api.deps import caller, consents
from consent.schemas import CaseClosed, CloseCase
from consent.service import ConsentService

__all__ = ["router"]

router = APIRouter(prefix="/v1/cases", tags=["cases"])


@router.post("/close", response_model=CaseClosed, summary="The case is closed: its consents expire")
def close_case(
    body: CloseCase, who: Annotated[str, Depends(caller)], svc: Annotated[ConsentService, Depends(consents)]
) -> CaseClosed:
    return svc.close_case(body.case_ref, who)
