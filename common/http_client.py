"""The base of every service's `client.py`: httpx with timeouts, a correlation id, a service
token for the callee's audience, problem+json errors raised as `ServiceError`, and tenacity
retries for idempotent calls only (safe methods, or a POST carrying an Idempotency-Key).

Every client of a process sends through one pooled `httpx.Client` (`shared_http`): keep-alive
connections are reused across calls and threads instead of each call opening its own."""

from __future__ import annotations

import functools
import os
import ssl
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from common.correlation import HEADER, current_correlation_id
from common.service_auth import mint_service_token
from common.service_keys import ServiceKey

__all__ = [
    "DEFAULT_TIMEOUT",
    "ServiceClient",
    "ServiceError",
    "ServiceUnavailable",
    "shared_http",
    "tls_context",
]

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
_IDEMPOTENT = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
_RETRY_STATUSES = {502, 503, 504}


class ServiceError(Exception):
    """The callee answered with an error; `problem` is its problem+json body."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('code', '')}: {problem.get('detail', '')}")
        self.status = status
        self.problem = problem

    @property
    def code(self) -> str:
        return str(self.problem.get("code", f"http.{self.status}"))


class ServiceUnavailable(ServiceError):
    """A transient failure (connection refused, timeout, 502/503/504) that outlived the retries."""

    def __init__(self, status: int, problem: dict[str, Any], retry_after: str | None = None) -> None:
        super().__init__(status, problem)
        self.retry_after = (
            float(retry_after) if retry_after and retry_after.isascii() and retry_after.isdigit() else None
        )


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, ServiceUnavailable)


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, ServiceUnavailable) and exc.retry_after is not None:
        return min(exc.retry_after, 5.0)
    return wait_exponential_jitter(multiplier=0.1, max=2.0)(state)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The process's TLS client context: httpx would load the whole CA bundle again for every
    Client (~20–50 ms CPU each)."""
    return httpx.create_ssl_context()


@functools.cache
def _pooled_client(pid: int) -> httpx.Client:
    del pid  # part of the cache key only: a forked worker must not share its parent's sockets
    return httpx.Client(timeout=DEFAULT_TIMEOUT, verify=tls_context())


def shared_http() -> httpx.Client:
    """This process's pooled client, for absolute URLs (httpx.Client is thread-safe)."""
    return _pooled_client(os.getpid())


class ServiceClient:
    """Subclass per provider service; `audience` is the provider's service name."""

    audience: str = ""

    def __init__(
        self,
        base_url: str,
        *,
        caller_key: ServiceKey | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        attempts: int = 4,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._caller_key = caller_key
        self._attempts = attempts
        self._timeout = timeout
        # A test's transport gets a client of its own; otherwise the process's pool serves.
        self._own_http = httpx.Client(transport=transport) if transport is not None else None
        self._http = self._own_http or shared_http()

    def close(self) -> None:
        if self._own_http is not None:
            self._own_http.close()

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        method = method.upper()
        retryable = method in _IDEMPOTENT or idempotency_key is not None
        send_headers = {HEADER: current_correlation_id(), **(headers or {})}
        if idempotency_key:
            send_headers["Idempotency-Key"] = idempotency_key
        retrying = Retrying(
            stop=stop_after_attempt(self._attempts if retryable else 1),
            wait=_wait,
            retry=retry_if_exception(_transient),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                if self._caller_key is not None:
                    token = mint_service_token(self._caller_key, self.audience)
                    send_headers["Authorization"] = f"Bearer {token}"
                return self._send(method, path, send_headers, kwargs)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def _send(
        self, method: str, path: str, headers: dict[str, str], kwargs: dict[str, Any]
    ) -> httpx.Response:
        try:
            response = self._http.request(
                method, self.base_url + path, headers=headers, timeout=self._timeout, **kwargs
            )
        except httpx.TransportError as exc:
            raise ServiceUnavailable(0, {"code": "unavailable", "detail": str(exc)}) from exc
        if response.status_code < 400:
            return response
        try:
            problem = response.json()
            if not isinstance(problem, dict):
                problem = {"detail": problem}
        except ValueError:
            problem = {"detail": response.text[:500]}
        if response.status_code in _RETRY_STATUSES:
            raise ServiceUnavailable(response.status_code, problem, response.headers.get("retry-after"))
        raise ServiceError(response.status_code, problem)

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs).json()

    def post_json(self, path: str, body: Any, *, idempotency_key: str | None = None, **kwargs: Any) -> Any:
        return self.request("POST", path, json=body, idempotency_key=idempotency_key, **kwargs).json()
