"""Shared route dependencies: the process's `ChainLog` and service-JWT auth for writes."""

from __future__ import annotations

import time
from collections import OrderedDict
from functools import cache

import jwt
from fastapi import Request

from chain.config import get_settings
from chain.domain.admission import KINDS_BY_SUBMITTER
from chain.service import ChainLog
from common.problems import Problem
from common.service_auth import CallerService, ServiceTokenVerifier

__all__ = ["CachedTokenVerifier", "chain_log", "submitting_service"]


async def chain_log(request: Request) -> ChainLog:  # async: no threadpool hop
    return request.app.state.chain_log


class CachedTokenVerifier:
    """Remembers tokens it has verified until they expire: a submitter that reuses its token
    (the bench, a busy outbox) skips an EdDSA verification per append."""

    def __init__(self, verifier: ServiceTokenVerifier, size: int = 4096) -> None:
        self.verifier = verifier
        self.size = size
        self._seen: OrderedDict[str, tuple[CallerService, float]] = OrderedDict()

    def verify(self, token: str) -> CallerService:
        hit = self._seen.get(token)
        now = time.time()
        if hit is not None and hit[1] > now:
            return hit[0]
        caller = self.verifier.verify(token)
        expires = jwt.decode(token, options={"verify_signature": False})["exp"]
        self._seen[token] = (caller, float(expires))
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return caller


@cache
def _verifier() -> CachedTokenVerifier:
    production = get_settings().production
    return CachedTokenVerifier(
        ServiceTokenVerifier("chain", allowed_issuers=set(KINDS_BY_SUBMITTER), production=production)
    )


def submitting_service(request: Request) -> CallerService:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem(
            401, "auth.required", "A service bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    return _verifier().verify(token)
