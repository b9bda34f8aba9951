"""The outbound HTTP client every service uses for every upstream: httpx's API on the aiohttp
transport, with timeouts, pooling, retries on transient failures only, and a circuit breaker.

The aiohttp transport is the default because httpx's own (httpcore) transport spends far more CPU
per request here: `bench/transport_hop.py` measures both side by side.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Literal

import httpx
from httpx_aiohttp import AiohttpTransport

from trivium.circuit_breaker import CircuitBreaker, CircuitOpenError
from trivium.correlation import outbound_headers
from trivium.metrics import BACKEND_CALL_SECONDS, BACKEND_CALLS, BACKEND_ERRORS, BACKEND_RETRIES
from trivium.problems import BadGateway, GatewayTimeout, Problem, ServiceUnavailable
from trivium.settings import ServiceSettings

log = logging.getLogger("trivium.http_client")

TransportName = Literal["aiohttp", "httpcore"]
ResponseCheck = Callable[[httpx.Response], bool]

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
BACKEND_FAILURE_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
IDEMPOTENT_EXTENSION = "trivium.idempotent"
# The aiohttp transport reports a refused connection as ConnectTimeout.
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The wait a `Retry-After` header asks for (seconds or an HTTP date), if any."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - time.time(), 0.0)


def may_resend(request: httpx.Request) -> bool:
    """True when sending the request twice cannot do something twice."""
    return (
        request.method in IDEMPOTENT_METHODS
        or "idempotency-key" in request.headers
        or bool(request.extensions.get(IDEMPOTENT_EXTENSION))
    )


class ResilientTransport(httpx.AsyncBaseTransport):
    """Wraps a real transport with context headers, metrics, retries and a circuit breaker."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        backend: str,
        breaker: CircuitBreaker,
        max_retries: int,
        backoff_seconds: float = 0.1,
        max_backoff_seconds: float = 2.0,
        max_retry_after_seconds: float = 30.0,
        service_token: Callable[[], str] | None = None,
        is_retryable_response: ResponseCheck | None = None,
    ) -> None:
        self.inner = inner
        self.backend = backend
        self.breaker = breaker
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.max_retry_after_seconds = max_retry_after_seconds
        self.service_token = service_token
        self.is_retryable_response = is_retryable_response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._add_headers(request)
        resendable = may_resend(request)
        attempt = 0
        while True:
            attempt += 1
            retries_left = attempt <= self.max_retries
            try:
                response = await self._attempt(request)
            except CircuitOpenError:
                raise
            except httpx.TransportError as error:
                # A connection that was never made never reached the backend: safe to resend.
                if not (retries_left and (resendable or isinstance(error, NOT_SENT_ERRORS))):
                    raise
                await self._pause(attempt, None)
                continue
            if retries_left and resendable and await self._is_transient(response):
                await response.aclose()
                await self._pause(attempt, retry_after_seconds(response))
                continue
            return response

    async def aclose(self) -> None:
        await self.inner.aclose()

    def _add_headers(self, request: httpx.Request) -> None:
        for name, value in outbound_headers().items():
            request.headers.setdefault(name, value)
        if self.service_token is not None and "authorization" not in request.headers:
            request.headers["Authorization"] = f"Bearer {self.service_token()}"

    async def _attempt(self, request: httpx.Request) -> httpx.Response:
        self.breaker.before_call()
        started = time.perf_counter()
        try:
            response = await self.inner.handle_async_request(request)
        except httpx.TransportError as error:
            self.breaker.record_failure()
            self._observe(request, type(error).__name__, started)
            BACKEND_ERRORS.labels(self.backend, type(error).__name__).inc()
            raise
        except BaseException:
            self.breaker.abandon_call()
            raise
        if response.status_code in BACKEND_FAILURE_STATUSES or await self._backend_says_busy(
            response
        ):
            self.breaker.record_failure()
            BACKEND_ERRORS.labels(self.backend, str(response.status_code)).inc()
        else:
            self.breaker.record_success()
        self._observe(request, str(response.status_code), started)
        return response

    async def _backend_says_busy(self, response: httpx.Response) -> bool:
        if self.is_retryable_response is None or response.status_code < 400:
            return False
        await response.aread()
        return self.is_retryable_response(response)

    async def _is_transient(self, response: httpx.Response) -> bool:
        return response.status_code in RETRYABLE_STATUSES or await self._backend_says_busy(response)

    async def _pause(self, attempt: int, retry_after: float | None) -> None:
        BACKEND_RETRIES.labels(self.backend).inc()
        backoff = min(self.backoff_seconds * 2 ** (attempt - 1), self.max_backoff_seconds)
        wait = random.uniform(backoff / 2, backoff)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after_seconds))
        log.info("http.retry", extra={"backend": self.backend, "attempt": attempt, "wait_s": wait})
        await asyncio.sleep(wait)

    def _observe(self, request: httpx.Request, outcome: str, started: float) -> None:
        BACKEND_CALLS.labels(self.backend, request.method, outcome).inc()
        BACKEND_CALL_SECONDS.labels(self.backend, request.method).observe(
            time.perf_counter() - started
        )


def _inner_transport(name: TransportName, limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    if name == "aiohttp":
        return AiohttpTransport(limits=limits)
    return httpx.AsyncHTTPTransport(limits=limits)


def create_http_client(
    *,
    backend: str,
    base_url: str,
    timeout: float = 10.0,
    max_retries: int = 3,
    breaker: CircuitBreaker | None = None,
    failure_threshold: int = 5,
    reset_seconds: float = 15.0,
    backoff_seconds: float = 0.1,
    max_retry_after_seconds: float = 30.0,
    service_token: Callable[[], str] | None = None,
    is_retryable_response: ResponseCheck | None = None,
    transport: TransportName = "aiohttp",
    max_connections: int = 100,
    headers: Mapping[str, str] | None = None,
) -> httpx.AsyncClient:
    """One long-lived client for one upstream; close it in the service's lifespan."""
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    resilient = ResilientTransport(
        _inner_transport(transport, limits),
        backend=backend,
        breaker=breaker
        or CircuitBreaker(
            backend=backend, failure_threshold=failure_threshold, reset_seconds=reset_seconds
        ),
        max_retries=max_retries,
        backoff_seconds=backoff_seconds,
        max_retry_after_seconds=max_retry_after_seconds,
        service_token=service_token,
        is_retryable_response=is_retryable_response,
    )
    return httpx.AsyncClient(
        base_url=base_url,
        transport=resilient,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        headers=headers,
    )


def create_http_client_from_settings(
    settings: ServiceSettings,
    *,
    backend: str,
    base_url: str,
    service_token: Callable[[], str] | None = None,
    is_retryable_response: ResponseCheck | None = None,
    transport: TransportName = "aiohttp",
) -> httpx.AsyncClient:
    """`create_http_client` with the timeout, retry and breaker settings every service shares."""
    return create_http_client(
        backend=backend,
        base_url=base_url,
        timeout=settings.http_timeout_seconds,
        max_retries=settings.http_max_retries,
        failure_threshold=settings.breaker_failure_threshold,
        reset_seconds=settings.breaker_reset_seconds,
        service_token=service_token,
        is_retryable_response=is_retryable_response,
        transport=transport,
    )


def upstream_problem(error: httpx.TransportError, *, what: str = "An upstream service") -> Problem:
    """The problem to answer with when a call to an upstream could not be completed."""
    if isinstance(error, CircuitOpenError):
        return ServiceUnavailable(
            f"{what} is failing; calls are paused for a moment.",
            headers={"Retry-After": str(max(int(error.retry_after) + 1, 1))},
        )
    if isinstance(error, NOT_SENT_ERRORS):
        return ServiceUnavailable(f"{what} cannot be reached.", headers={"Retry-After": "5"})
    if isinstance(error, httpx.TimeoutException):
        return GatewayTimeout(f"{what} did not answer in time.")
    return BadGateway(f"{what} broke off the exchange.")
