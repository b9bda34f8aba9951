"""The outbound HTTP client every service uses for every upstream: httpx's API on the aiohttp
transport, with timeouts, pooling, retries on transient failures only, a circuit breaker, and one
client span per call (its attempts included) whose context the request carries.

The aiohttp transport is the default because httpx's own (httpcore) transport spends far more CPU
per request here: `bench/transport_hop.py` measures both side by side. Either way callers see the
same httpx exception classes and cookies (see `trivium.aiohttp_transport`). One difference
remains: aiohttp itself resends an idempotent request once when a connection breaks under
it before the answer (RFC 9112 section 9.3.1); that resend is not counted here.

Retry rules, per attempt:
- transient: transport errors (connect errors, timeouts, broken connections) and 429/502/503/504,
  plus whatever `is_retryable_response` says of another error answer (Salesforce's row locks);
- a 500 is never retried (it may be a bug), nor any other 4xx;
- a request is resent only when that cannot do something twice: an idempotent method, an
  `Idempotency-Key` header, or the `trivium.idempotent` request extension set to True; a request
  that never left (connect error, connect or pool timeout) is resent whatever its method;
- streamed request bodies are never resent (they cannot be read twice);
- `Retry-After` is the minimum wait; when it asks for more than `max_retry_after_seconds` the
  client stops and returns that answer at once, so that the caller can pass the wait on;
- retrying stops early when the breaker would refuse the next attempt.
After the last attempt the last answer is returned or the last transport error raised.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import logging
import math
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal

import httpx
from opentelemetry.trace import Span, SpanKind
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential, wait_random_exponential

from trivium.aiohttp_transport import ConsistentAiohttpTransport
from trivium.circuit_breaker import CircuitBreaker, CircuitOpenError
from trivium.correlation import outbound_headers
from trivium.metrics import BACKEND_CALL_SECONDS, BACKEND_CALLS, BACKEND_ERRORS, BACKEND_RETRIES
from trivium.problems import BadGateway, GatewayTimeout, Problem, ServiceUnavailable
from trivium.retry_after import parse_retry_after
from trivium.service_auth import ServiceTokenIssuer
from trivium.settings import ServiceSettings, SystemApiCallerSettings
from trivium.tracing import mark_failed, tracer

log = logging.getLogger("trivium.http_client")

TransportName = Literal["aiohttp", "httpcore"]
ResponseCheck = Callable[[httpx.Response], bool]
# Signs one attempt of a request in place (e.g. OAuth 1.0a: a fresh nonce and timestamp each
# time, since a backend refuses a nonce it has seen, so a resent request is signed anew).
RequestSigner = Callable[[httpx.Request], None]
# How the client waits between attempts (tests pass one that records the waits instead).
Sleep = Callable[[float], Awaitable[None]]
# The name of a call's client span: the backend and the operation (`salesforce query Account`).
SpanNamer = Callable[[httpx.Request], str]

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
# 429 is the backend protecting itself (Retry-After says when), not a backend that is down.
BACKEND_FAILURE_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
IDEMPOTENT_EXTENSION = "trivium.idempotent"
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Our own mistakes: retrying cannot help and the backend is not to blame.
CALLER_FAULTS = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)
# A full pool is our saturation, not the backend's failure (aiohttp cannot tell it from a connect
# timeout, so there it does count).
_NOT_BACKEND_FAULTS = (*CALLER_FAULTS, httpx.PoolTimeout)
MAX_DRAINED_BYTES = 64 * 1024


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The wait a `Retry-After` header asks for (seconds or an HTTP date), if any."""
    value = response.headers.get("retry-after")
    return parse_retry_after(value, now=datetime.now(UTC)) if value else None


def may_resend(request: httpx.Request) -> bool:
    """True when sending the request twice cannot do something twice."""
    return (
        request.method in IDEMPOTENT_METHODS
        or "idempotency-key" in request.headers
        or request.extensions.get(IDEMPOTENT_EXTENSION) is True
    )


def has_replayable_body(request: httpx.Request) -> bool:
    """True when the body is in memory (bytes, JSON, form), not a stream read once."""
    try:
        request.content  # noqa: B018 - raises for a streamed body
    except httpx.RequestNotRead:
        return False
    return True


def is_retryable_error(error: BaseException, request: httpx.Request) -> bool:
    """True for a transient transport error on a request that may be sent again."""
    if not isinstance(error, httpx.TransportError) or isinstance(
        error, (CircuitOpenError, *CALLER_FAULTS)
    ):
        return False
    # A request that never left has done nothing yet, whatever its method.
    return isinstance(error, NOT_SENT_ERRORS) or may_resend(request)


@dataclass(slots=True)
class _Answer:
    response: httpx.Response
    transient: bool


class ResilientTransport(httpx.AsyncBaseTransport):
    """Wraps a real transport with context headers, metrics, retries and a circuit breaker."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        backend: str,
        span_name: SpanNamer | None = None,
        breaker: CircuitBreaker,
        max_retries: int,
        backoff_seconds: float = 0.1,
        max_backoff_seconds: float = 2.0,
        max_retry_after_seconds: float = 30.0,
        service_token: Callable[[], str] | None = None,
        is_retryable_response: ResponseCheck | None = None,
        sign: RequestSigner | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.inner = inner
        self.sign = sign
        self.backend = backend
        self.breaker = breaker
        self.max_retries = max_retries
        self.max_retry_after_seconds = max_retry_after_seconds
        self.service_token = service_token
        self.is_retryable_response = is_retryable_response
        self.span_name = span_name or (lambda request: f"{backend} {request.method}")
        self.sleep = sleep
        # Equal jitter: half the exponential step fixed, half random, so retries never bunch at 0.
        self._backoff: wait_base = wait_exponential(
            multiplier=backoff_seconds / 2, max=max_backoff_seconds / 2
        ) + wait_random_exponential(multiplier=backoff_seconds / 2, max=max_backoff_seconds / 2)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with tracer().start_as_current_span(
            self.span_name(request),
            kind=SpanKind.CLIENT,
            attributes={
                "http.request.method": request.method,
                "server.address": request.url.host,
                "url.path": request.url.path,
                "trivium.backend": self.backend,
            },
        ) as span:
            # In the client span, so that the callee's server span is its child.
            self._add_headers(request)
            try:
                first: _Answer | BaseException = await self._attempt(request)
            except BaseException as error:
                first = error
            if isinstance(first, _Answer) and not first.transient:
                # An answer that is not transient is never retried (`_should_retry`), so the
                # common call skips tenacity's machinery, which costs about as much as the rest
                # of this wrapper; any other first outcome goes through it as its first attempt.
                _record_answer(span, first.response, attempts=1)
                return first.response
            retrying = AsyncRetrying(
                sleep=self.sleep,
                stop=stop_after_attempt(self.max_retries + 1),
                wait=self._wait,
                retry=partial(self._should_retry, request),
                before_sleep=self._before_sleep,
                retry_error_callback=_last_outcome,
            )
            answer: _Answer = await retrying(_replaying_first(first, self._attempt), request)
            _record_answer(span, answer.response, attempts=retrying.statistics["attempt_number"])
            return answer.response

    async def aclose(self) -> None:
        await self.inner.aclose()

    def _add_headers(self, request: httpx.Request) -> None:
        # One pass over the request's header names: httpx's `setdefault` and `in` each scan the
        # headers and raise KeyError inside for every name that is absent, the common case.
        present = {name.decode("latin-1").lower() for name, _ in request.headers.raw}
        for name, value in outbound_headers().items():
            if name not in present:
                request.headers[name] = value
        if self.service_token is not None and "authorization" not in present:
            request.headers["Authorization"] = f"Bearer {self.service_token()}"

    async def _attempt(self, request: httpx.Request) -> _Answer:
        try:
            permit = self.breaker.before_call()
        except CircuitOpenError:
            BACKEND_CALLS.labels(self.backend, request.method, "CircuitOpenError").inc()
            raise
        if self.sign is not None:
            self.sign(request)
        started = time.perf_counter()
        try:
            response = await self.inner.handle_async_request(request)
        except _NOT_BACKEND_FAULTS as error:
            self.breaker.release(permit)
            self._observe(request, type(error).__name__, started)
            raise
        except httpx.TransportError as error:
            self.breaker.record_failure(permit)
            self._observe(request, type(error).__name__, started)
            BACKEND_ERRORS.labels(self.backend, type(error).__name__).inc()
            raise
        except BaseException:
            self.breaker.release(permit)
            raise
        status = response.status_code
        self._observe(request, status, started)
        if status in BACKEND_FAILURE_STATUSES:
            self.breaker.record_failure(permit)
        else:
            self.breaker.record_success(permit)
        if status >= 500 or status == 429:
            BACKEND_ERRORS.labels(self.backend, str(status)).inc()
        try:
            transient = status in RETRYABLE_STATUSES or await self._backend_says_retry(response)
        except BaseException:
            await response.aclose()
            raise
        return _Answer(response, transient)

    async def _backend_says_retry(self, response: httpx.Response) -> bool:
        if self.is_retryable_response is None or response.status_code < 400:
            return False
        await response.aread()
        return self.is_retryable_response(response)

    def _should_retry(self, request: httpx.Request, state: RetryCallState) -> bool:
        outcome = state.outcome
        if outcome is None or not has_replayable_body(request):
            return False
        error = outcome.exception()
        if error is not None:
            retryable = is_retryable_error(error, request)
        else:
            answer: _Answer = outcome.result()
            asked = retry_after_seconds(answer.response)
            retryable = (
                answer.transient
                and may_resend(request)
                and (asked is None or asked <= self.max_retry_after_seconds)
            )
        return retryable and self.breaker.allows_call()

    def _wait(self, state: RetryCallState) -> float:
        wait = self._backoff(state)
        outcome = state.outcome
        if outcome is not None and outcome.exception() is None:
            asked = retry_after_seconds(outcome.result().response)
            if asked is not None:
                wait = max(wait, min(asked, self.max_retry_after_seconds))
        return wait

    async def _before_sleep(self, state: RetryCallState) -> None:
        BACKEND_RETRIES.labels(self.backend).inc()
        outcome = state.outcome
        if outcome is None:
            return
        error = outcome.exception()
        if error is None:
            response = outcome.result().response
            reason = str(response.status_code)
            await _discard(response)
        else:
            reason = type(error).__name__
        log.info(
            "http.retry",
            extra={
                "backend": self.backend,
                "attempt": state.attempt_number,
                "reason": reason,
                "wait_s": round(state.upcoming_sleep, 3),
            },
        )

    def _observe(self, request: httpx.Request, outcome: int | str, started: float) -> None:
        """Count and time one attempt; `outcome` is the answer's status or the error's class."""
        seconds = time.perf_counter() - started
        BACKEND_CALLS.labels(self.backend, request.method, str(outcome)).inc()
        BACKEND_CALL_SECONDS.labels(self.backend, request.method).observe(seconds)
        status = outcome if isinstance(outcome, int) else None
        level = call_log_level(status)
        if log.isEnabledFor(level):
            # The path only: query strings carry search terms (names, VAT ids).
            log.log(
                level,
                "http.call" if status is not None else "http.call_failed",
                extra={
                    "backend": self.backend,
                    "method": request.method,
                    "path": request.url.path,
                    "outcome": outcome,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )


def _replaying_first(
    first: _Answer | BaseException, attempt: Callable[[httpx.Request], Awaitable[_Answer]]
) -> Callable[[httpx.Request], Awaitable[_Answer]]:
    """`attempt`, whose first call gives (or raises) the outcome of an attempt already made."""
    pending: list[_Answer | BaseException] = [first]

    async def replaying(request: httpx.Request) -> _Answer:
        if pending:
            outcome = pending.pop()
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        return await attempt(request)

    return replaying


def _record_answer(span: Span, response: httpx.Response, *, attempts: int) -> None:
    span.set_attribute("http.response.status_code", response.status_code)
    if attempts > 1:
        span.set_attribute("http.request.resend_count", attempts - 1)
    if response.status_code >= 400:
        mark_failed(span, f"answered {response.status_code}")


def call_log_level(status: int | None) -> int:
    """The level of one attempt's log line: an answer is detail (an error answer a little more),
    no answer at all is a warning, since the backend never saw the call to log it."""
    if status is None:
        return logging.WARNING
    if status >= 500 or status == 429:
        return logging.INFO
    return logging.DEBUG


def _last_outcome(state: RetryCallState) -> _Answer:
    """Out of attempts: the last answer, or the last error raised again (not a RetryError)."""
    assert state.outcome is not None
    answer: _Answer = state.outcome.result()
    return answer


async def _discard(response: httpx.Response) -> None:
    """Read a small body to its end so that the connection goes back to the pool, then close."""
    if response.is_stream_consumed:
        await response.aclose()
        return
    chunks = response.aiter_raw()
    try:
        drained = 0
        async for chunk in chunks:
            drained += len(chunk)
            if drained > MAX_DRAINED_BYTES:
                break
    except httpx.HTTPError:
        pass
    finally:
        if isinstance(chunks, AsyncGenerator):
            await chunks.aclose()
        await response.aclose()


# Bounds of the per-client caches below (cleared when full: a client calls a few paths).
_MAX_CACHED = 512


class _CountingJar(http.cookiejar.CookieJar):
    """The standard cookie jar, counting its changes: every change to it goes through
    `set_cookie` or `clear`."""

    changes = 0

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        super().set_cookie(cookie)
        self.changes += 1

    def clear(
        self, domain: str | None = None, path: str | None = None, name: str | None = None
    ) -> None:
        super().clear(domain, path, name)
        self.changes += 1


class _ResponseCookies(httpx.Cookies):
    """httpx's cookie jar, read into only for answers that set a cookie, and whose `Cookie`
    header for a URL is worked out once while the jar stays as it is.

    httpx hands every answer to the standard library's cookie jar, which first wraps request and
    answer in urllib objects (parsing the URL again and copying every header): the largest single
    cost of the client per call, for upstreams that almost never set one. An answer without
    `Set-Cookie` cannot change the jar, so skipping it changes nothing a caller sees. Sending,
    httpx copies the jar twice per request and matches every cookie against the URL (an S/4HANA
    session's cookies on every OData call); the header depends only on the jar, the URL's scheme,
    host, port and path, and the time (cookies expire), so it is kept per URL until the jar
    changes or its first cookie expires."""

    def __init__(self, jar: http.cookiejar.CookieJar | None = None) -> None:
        super().__init__()
        self.jar = _CountingJar()
        for cookie in jar or ():
            self.jar.set_cookie(cookie)
        self._headers: dict[tuple[str, str, int | None, str], str | None] = {}
        self._seen_changes = -1
        self._valid_until = math.inf
        self._empty = True

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)

    def set_cookie_header(self, request: httpx.Request) -> None:
        jar = self.jar
        if not isinstance(jar, _CountingJar):  # replaced by a caller: no count to go by
            super().set_cookie_header(request)
            return
        if jar.changes != self._seen_changes or time.time() >= self._valid_until:
            self._headers.clear()
            self._seen_changes = jar.changes
            expiries = [cookie.expires for cookie in jar if cookie.expires is not None]
            self._valid_until = min(expiries, default=math.inf)
            self._empty = not any(True for _ in jar)
        if self._empty:
            return
        if "cookie" in request.headers:  # the caller's own, which the jar leaves alone
            return
        url = request.url
        key = (url.scheme, url.host, url.port, url.path)
        if key in self._headers:
            header = self._headers[key]
            if header is not None:
                request.headers["Cookie"] = header
            return
        super().set_cookie_header(request)
        if len(self._headers) >= _MAX_CACHED:
            self._headers.clear()
        self._headers[key] = request.headers.get("cookie")


class _Client(httpx.AsyncClient):
    """httpx's client keeping its cookies in `_ResponseCookies`, also when they are replaced, and
    the URLs it has merged with its base URL (parsing one costs about as much as the rest of
    building the request)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._cookies = _ResponseCookies(self._cookies.jar)
        self._merged_urls: dict[str, httpx.URL] = {}
        self._merged_on = self.base_url

    @property
    def cookies(self) -> httpx.Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._cookies = _ResponseCookies(httpx.Cookies(cookies).jar)

    def build_request(self, method: str, url: httpx.URL | str, **options: Any) -> httpx.Request:
        request = super().build_request(method, url, **options)
        if not options.get("cookies"):
            self._cookies.set_cookie_header(request)
        return request

    def _merge_cookies(self, cookies: Any = None) -> Any:
        if cookies:
            return super()._merge_cookies(cookies)
        # The client's own cookies are set by `build_request`, without copying the jar.
        return None

    def _merge_url(self, url: httpx.URL | str) -> httpx.URL:
        if not isinstance(url, str):
            return super()._merge_url(url)
        if self._merged_on is not self.base_url or len(self._merged_urls) >= _MAX_CACHED:
            self._merged_urls.clear()
            self._merged_on = self.base_url
        merged = self._merged_urls.get(url)
        if merged is None:
            # httpx URLs are immutable: one may serve every request to it.
            merged = self._merged_urls[url] = super()._merge_url(url)
        return merged


def _inner_transport(name: TransportName, *, limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    if name == "aiohttp":
        # Its aiohttp session is made on first use, so inside the loop that will run it.
        return ConsistentAiohttpTransport(limits=limits)
    if name == "httpcore":
        return httpx.AsyncHTTPTransport(limits=limits)
    raise ValueError(f"unknown transport {name!r}: use 'aiohttp' or 'httpcore'")


def create_http_client(
    *,
    backend: str,
    base_url: str,
    timeout: float = 10.0,
    connect_timeout: float = 5.0,
    max_retries: int = 3,
    breaker: CircuitBreaker | None = None,
    failure_threshold: int = 5,
    reset_seconds: float = 15.0,
    backoff_seconds: float = 0.1,
    max_backoff_seconds: float = 2.0,
    max_retry_after_seconds: float = 30.0,
    service_token: Callable[[], str] | None = None,
    is_retryable_response: ResponseCheck | None = None,
    span_name: SpanNamer | None = None,
    sign: RequestSigner | None = None,
    transport: TransportName = "aiohttp",
    max_connections: int = 100,
    keepalive_seconds: float = 4.0,
    headers: Mapping[str, str] | None = None,
    sleep: Sleep = asyncio.sleep,
) -> httpx.AsyncClient:
    """One long-lived client for one upstream; close it in the service's lifespan."""
    # Idle connections must be dropped before the server drops them (uvicorn: after 5 s), or a
    # request can be written into a closing connection: at 5 s, 70 of 120 POSTs sent after 5 s
    # idle failed on the aiohttp transport here; at 4 s none did.
    limits = httpx.Limits(
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        keepalive_expiry=keepalive_seconds,
    )
    resilient = ResilientTransport(
        _inner_transport(transport, limits=limits),
        backend=backend,
        breaker=breaker
        or CircuitBreaker(
            backend=backend, failure_threshold=failure_threshold, reset_seconds=reset_seconds
        ),
        max_retries=max_retries,
        backoff_seconds=backoff_seconds,
        max_backoff_seconds=max_backoff_seconds,
        max_retry_after_seconds=max_retry_after_seconds,
        service_token=service_token,
        is_retryable_response=is_retryable_response,
        span_name=span_name,
        sign=sign,
        sleep=sleep,
    )
    return _Client(
        base_url=base_url,
        transport=resilient,
        timeout=httpx.Timeout(timeout, connect=min(timeout, connect_timeout)),
        headers=headers,
    )


def create_http_client_from_settings(
    settings: ServiceSettings,
    *,
    backend: str,
    base_url: str,
    breaker: CircuitBreaker | None = None,
    service_token: Callable[[], str] | None = None,
    is_retryable_response: ResponseCheck | None = None,
    span_name: SpanNamer | None = None,
    sign: RequestSigner | None = None,
    transport: TransportName | None = None,
    max_connections: int = 100,
    headers: Mapping[str, str] | None = None,
    max_retry_after_seconds: float | None = None,
) -> httpx.AsyncClient:
    """`create_http_client` with the timeout, retry, breaker and transport settings every service
    shares (`max_retry_after_seconds` and `transport` given here win over the settings)."""
    return create_http_client(
        backend=backend,
        base_url=base_url,
        timeout=settings.http_timeout_seconds,
        max_retries=settings.http_max_retries,
        breaker=breaker,
        failure_threshold=settings.breaker_failure_threshold,
        reset_seconds=settings.breaker_reset_seconds,
        service_token=service_token,
        is_retryable_response=is_retryable_response,
        sign=sign,
        transport=transport or settings.http_transport,
        max_connections=max_connections,
        headers=headers,
        max_retry_after_seconds=(
            settings.http_max_retry_after_seconds
            if max_retry_after_seconds is None
            else max_retry_after_seconds
        ),
        span_name=span_name,
    )


def service_client(
    stack: AsyncExitStack,
    settings: ServiceSettings,
    *,
    backend: str,
    base_url: str,
    issuer: ServiceTokenIssuer | None = None,
) -> httpx.AsyncClient:
    """A client for the service `backend` that `stack` closes; with `issuer`, every call carries
    a service token for that service."""
    service_token = (lambda: issuer.token_for(backend)) if issuer is not None else None
    client = create_http_client_from_settings(
        settings, backend=backend, base_url=base_url, service_token=service_token
    )
    stack.push_async_callback(client.aclose)
    return client


def system_api_clients(
    stack: AsyncExitStack, settings: SystemApiCallerSettings, issuer: ServiceTokenIssuer
) -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
    """`service_client`s of the Salesforce and the ERP System API, in that order."""
    return (
        service_client(
            stack,
            settings,
            backend="salesforce-system",
            base_url=settings.salesforce_system_url,
            issuer=issuer,
        ),
        service_client(
            stack, settings, backend="erp-system", base_url=settings.erp_system_url, issuer=issuer
        ),
    )


def upstream_problem(error: httpx.HTTPError, *, what: str = "An upstream service") -> Problem:
    """The problem to answer with when a call to an upstream could not be completed."""
    if isinstance(error, CircuitOpenError):
        return ServiceUnavailable(
            f"{what} is failing; calls to it are paused for a moment.",
            headers={"Retry-After": error.retry_after_header()},
        )
    if isinstance(error, NOT_SENT_ERRORS):
        return ServiceUnavailable(f"{what} cannot be reached.", headers={"Retry-After": "5"})
    if isinstance(error, httpx.TimeoutException):
        return GatewayTimeout(f"{what} did not answer in time.")
    return BadGateway(f"{what} broke off the exchange.")
