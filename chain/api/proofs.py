"""Public proofs (RFC 9162): inclusion and consistency, as base64 hash lists."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from chain.api.deps import chain_log
from chain.service import ChainLog

__all__ = ["router"]

router = APIRouter(prefix="/v1/proofs", tags=["proofs"])


class InclusionProof(BaseModel):
    index: int
    size: int
    hashes: list[str]


class ConsistencyProof(BaseModel):
    old: int
    new: int
    hashes: list[str]


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


@router.get("/inclusion", summary="Audit path of entry `index` in the tree of `size` entries")
def inclusion(
    log: Annotated[ChainLog, Depends(chain_log)],
    index: Annotated[int, Query(ge=0)],
    size: Annotated[int, Query(ge=1)],
) -> InclusionProof:
    return InclusionProof(index=index, size=size, hashes=_b64(log.inclusion(index, size)))


@router.get("/consistency", summary="Proof that the tree of `old` entries is a prefix of the tree of `new`")
def consistency(
    log: Annotated[ChainLog, Depends(chain_log)],
    old: Annotated[int, Query(ge=0)],
    new: Annotated[int, Query(ge=0)],
) -> ConsistencyProof:
    return ConsistencyProof(old=old, new=new, hashes=_b64(log.consistency(old, new)))
