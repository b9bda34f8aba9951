"""The resilient client against a scripted backend on loopback: retries, breaker, headers, metrics.

The backend is a real aiohttp.web server on 127.0.0.1 in the test's event loop; each test scripts
its answers and reads back the calls it saw. Functional tests run on both transports.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio
from aiohttp import web
from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import REGISTRY

from trivium.circuit_breaker import BreakerState, CircuitBreaker, CircuitOpenError
from trivium.correlation import correlation_id_var
from trivium.errors import install_problem_handlers
from trivium.http_client import (
    TransportName,
    create_http_client,
    create_http_client_from_settings,
    retry_after_seconds,
    service_client,
    system_api_clients,
    upstream_problem,
)
from trivium.redis_discovery import free_port
from trivium.service_auth import token_pair
from trivium.settings import ServiceSettings, SystemApiCallerSettings
from trivium.tracing import extract_trace_context, traceparent
from trivium_testing.apps import app_client
from trivium_testing.keys import KeyRing

TRANSPORTS = ["aiohttp", "httpcore"]


@dataclass
class Answer:
    """One scripted answer: a status, or a delay before it, or held until an event is set, or a
    dropped connection."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    hold: asyncio.Event | None = None
    drop: bool = False


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    peer_port: int


@dataclass
class Backend:
    """A scripted upstream: answers in order (then 200), and every call it saw."""

    url: str = ""
    answers: list[Answer] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def script(self, *answers: Answer | int) -> None:
        self.answers[:] = [a if isinstance(a, Answer) else Answer(a) for a in answers]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        transport = request.transport
        peer = transport.get_extra_info("peername") if transport else ("", 0)
        self.calls.append(Call(request.method, request.path, dict(request.headers), body, peer[1]))
        answer = self.answers.pop(0) if self.answers else Answer()
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.hold is not None:
            await answer.hold.wait()
        if answer.drop and transport is not None:
            transport.close()
            raise ConnectionResetError("dropped by the script")
        body_json = answer.body if answer.body is not None else {"status": answer.status}
        return web.json_response(body_json, status=answer.status, headers=answer.headers)


async def start_backend(backend: Backend, *, port: int = 0) -> web.AppRunner:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", backend.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    backend.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    return runner


@pytest_asyncio.fixture
async def backend() -> AsyncIterator[Backend]:
    backend = Backend()
    runner = await start_backend(backend)
    yield backend
    await runner.cleanup()


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> TransportName:
    name: TransportName = request.param
    return name


ClientFactory = Callable[..., httpx.AsyncClient]


@pytest_asyncio.fixture
async def make_client(backend: Backend, transport: TransportName) -> AsyncIterator[ClientFactory]:
    """Clients on the transport under test, with fast backoff and a lenient breaker by default."""
    clients: list[httpx.AsyncClient] = []

    def make(**overrides: Any) -> httpx.AsyncClient:
        options: dict[str, Any] = {
            "backend": f"test-{uuid.uuid4().hex[:8]}",
            "base_url": backend.url,
            "backoff_seconds": 0.01,
            "failure_threshold": 100,
            "transport": transport,
            **overrides,
        }
        clients.append(create_http_client(**options))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def backend_of(client: httpx.AsyncClient) -> str:
    name: str = client._transport.backend  # type: ignore[attr-defined]
    return name


class Waits:
    """The client's sleep between attempts: records each wait instead of waiting."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


class Clock:
    """A hand-driven clock for circuit breakers."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def wait_until(condition: Callable[[], bool]) -> None:
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not met within 2 s")


@pytest.mark.asyncio
class TestRetryOnTransientAnswers:
    @pytest.mark.parametrize("status", [502, 503, 504, 429])
    async def test_retried_until_the_backend_recovers(
        self, make_client: ClientFactory, backend: Backend, status: int
    ) -> None:
        client = make_client()
        backend.script(status, status)
        response = await client.get("/thing")
        assert response.status_code == 200
        assert len(backend.calls) == 3
        assert sample("trivium_backend_retries_total", backend=backend_of(client)) == 2

    @pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 500])
    async def test_client_errors_and_bugs_are_never_retried(
        self, make_client: ClientFactory, backend: Backend, status: int
    ) -> None:
        client = make_client()
        backend.script(status, 200)
        response = await client.get("/thing")
        assert response.status_code == status
        assert len(backend.calls) == 1

    async def test_last_answer_is_returned_after_the_last_attempt(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client(max_retries=3)
        backend.script(*[Answer(503, body={"attempt": n}) for n in range(1, 11)])
        response = await client.get("/thing")
        assert response.status_code == 503
        assert response.json() == {"attempt": 4}
        assert len(backend.calls) == 4

    async def test_discarded_answers_give_their_connection_back(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client()
        backend.script(503, 502)
        assert (await client.get("/thing")).status_code == 200
        assert len({call.peer_port for call in backend.calls}) == 1

    async def test_backend_specific_answer_is_retried_by_the_hook(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        def is_row_lock(response: httpx.Response) -> bool:
            return "UNABLE_TO_LOCK_ROW" in response.text

        client = make_client(is_retryable_response=is_row_lock)
        backend.script(Answer(400, body=[{"errorCode": "UNABLE_TO_LOCK_ROW"}]))
        assert (await client.get("/thing")).status_code == 200
        assert len(backend.calls) == 2
        backend.calls.clear()
        backend.script(Answer(400, body=[{"errorCode": "INVALID_FIELD"}]))
        response = await client.get("/thing")
        assert response.status_code == 400
        assert response.json() == [{"errorCode": "INVALID_FIELD"}]
        assert len(backend.calls) == 1


class TestRetryAfter:
    @pytest.mark.asyncio
    @pytest.mark.parametrize("status", [429, 503])
    async def test_seconds_are_the_minimum_wait(
        self, make_client: ClientFactory, backend: Backend, status: int
    ) -> None:
        waits = Waits()
        client = make_client(sleep=waits)
        backend.script(Answer(status, headers={"Retry-After": "1"}))
        response = await client.get("/thing")
        assert response.status_code == 200
        assert waits.seconds == [1.0]

    @pytest.mark.asyncio
    async def test_http_date_is_the_minimum_wait(self, backend: Backend) -> None:
        waits = Waits()
        moment = email.utils.formatdate(time.time() + 20, usegmt=True)
        backend.script(Answer(503, headers={"Retry-After": moment}))
        async with create_http_client(
            backend="retry-after-date", base_url=backend.url, backoff_seconds=0.01, sleep=waits
        ) as client:
            assert (await client.get("/thing")).status_code == 200
        # The date has whole-second resolution and was written a moment before it was read.
        [wait] = waits.seconds
        assert 10 < wait <= 20

    @pytest.mark.asyncio
    async def test_wait_beyond_the_cap_returns_the_answer_at_once(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        waits = Waits()
        client = make_client(max_retry_after_seconds=30, sleep=waits)
        backend.script(Answer(503, headers={"Retry-After": "120"}))
        response = await client.get("/thing")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "120"
        assert waits.seconds == []
        assert len(backend.calls) == 1

    def test_header_forms_are_parsed(self) -> None:
        def parsed(value: str) -> float | None:
            return retry_after_seconds(httpx.Response(503, headers={"Retry-After": value}))

        later = email.utils.formatdate(time.time() + 30, usegmt=True)
        earlier = email.utils.formatdate(time.time() - 30, usegmt=True)
        assert parsed("7") == 7.0
        assert 28 <= (parsed(later) or 0) <= 30
        assert parsed(earlier) == 0.0
        assert parsed("soon") is None
        assert retry_after_seconds(httpx.Response(503)) is None


@pytest.mark.asyncio
class TestRetryOfNonIdempotentRequests:
    @pytest.mark.parametrize("method", ["POST", "PATCH"])
    async def test_without_idempotency_key_not_retried(
        self, make_client: ClientFactory, backend: Backend, method: str
    ) -> None:
        client = make_client()
        backend.script(503, 200)
        response = await client.request(method, "/orders", json={"a": 1})
        assert response.status_code == 503
        assert len(backend.calls) == 1

    async def test_with_idempotency_key_retried_with_the_same_body(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client()
        backend.script(503, 503)
        response = await client.post(
            "/orders", json={"sku": "A-1", "quantity": 2}, headers={"Idempotency-Key": "k1"}
        )
        assert response.status_code == 200
        assert len(backend.calls) == 3
        assert {call.body for call in backend.calls} == {b'{"sku":"A-1","quantity":2}'}

    async def test_idempotent_extension_allows_retry(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client()
        backend.script(503)
        response = await client.post(
            "/query", content=b"q", extensions={"trivium.idempotent": True}
        )
        assert response.status_code == 200
        assert len(backend.calls) == 2

    async def test_streamed_body_is_never_resent(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"part-1;"
            yield b"part-2"

        client = make_client()
        backend.script(503)
        response = await client.put("/upload", content=chunks())
        assert response.status_code == 503
        assert [call.body for call in backend.calls] == [b"part-1;part-2"]


@pytest.mark.asyncio
class TestRetryOnTransportErrors:
    async def test_refused_connection_is_retried_even_for_a_post_then_raised(
        self, make_client: ClientFactory
    ) -> None:
        client = make_client(base_url=f"http://127.0.0.1:{free_port()}", max_retries=2)
        with pytest.raises(httpx.ConnectError):
            await client.post("/orders", json={"a": 1})
        name = backend_of(client)
        labels = {"backend": name, "method": "POST", "outcome": "ConnectError"}
        assert sample("trivium_backend_calls_total", **labels) == 3
        assert sample("trivium_backend_retries_total", backend=name) == 2

    async def test_refused_connection_succeeds_once_the_backend_is_up(
        self, make_client: ClientFactory
    ) -> None:
        port = free_port()
        late = Backend()
        runners: list[web.AppRunner] = []

        async def backend_comes_up(seconds: float) -> None:
            runners.append(await start_backend(late, port=port))

        client = make_client(base_url=f"http://127.0.0.1:{port}", sleep=backend_comes_up)
        response = await client.get("/thing")
        for runner in runners:
            await runner.cleanup()
        assert response.status_code == 200
        assert len(runners) == len(late.calls) == 1

    async def test_dropped_connection_is_retried_for_a_get(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client()
        # Two drops: aiohttp itself resends an idempotent request once on a broken connection.
        backend.script(Answer(drop=True), Answer(drop=True))
        assert (await client.get("/thing")).status_code == 200
        assert len(backend.calls) == 3

    async def test_dropped_connection_is_not_retried_for_a_post(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client()
        backend.script(Answer(drop=True))
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/orders", json={"a": 1})
        assert len(backend.calls) == 1

    async def test_read_timeout_is_retried_for_a_get_only(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client(timeout=0.2)
        backend.script(Answer(delay=0.5))
        assert (await client.get("/thing")).status_code == 200
        assert len(backend.calls) == 2
        backend.calls.clear()
        backend.script(Answer(delay=0.5))
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/orders", json={"a": 1})
        assert len(backend.calls) == 1


@pytest.mark.asyncio
class TestContextHeaders:
    async def test_correlation_trace_and_service_token_are_sent(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client(service_token=lambda: "service-token-1")
        correlation = correlation_id_var.set("corr-out-1")
        try:
            with in_callers_trace("c" * 32, "d" * 16, tracestate="vendor=opaque"):
                await client.get("/thing")
        finally:
            correlation_id_var.reset(correlation)
        headers = backend.calls[0].headers
        assert headers["X-Correlation-ID"] == "corr-out-1"
        version, trace_id, span_id, flags = headers["traceparent"].split("-")
        assert (version, trace_id, flags) == ("00", "c" * 32, "01")
        assert span_id != "d" * 16
        assert headers["tracestate"] == "vendor=opaque"
        assert headers["Authorization"] == "Bearer service-token-1"

    async def test_headers_the_caller_set_are_kept(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client(service_token=lambda: "service-token-1")
        correlation = correlation_id_var.set("corr-out-2")
        try:
            await client.get(
                "/thing",
                headers={"Authorization": "Bearer user-token", "X-Correlation-ID": "mine"},
            )
        finally:
            correlation_id_var.reset(correlation)
        headers = backend.calls[0].headers
        assert headers["Authorization"] == "Bearer user-token"
        assert headers["X-Correlation-ID"] == "mine"

    async def test_outside_a_request_a_call_starts_its_own_trace(
        self, make_client: ClientFactory, backend: Backend, recorded_spans: InMemorySpanExporter
    ) -> None:
        await make_client().get("/thing")
        headers = backend.calls[0].headers
        assert "X-Correlation-ID" not in headers
        assert "Authorization" not in headers
        [span] = recorded_spans.get_finished_spans()
        assert span.parent is None
        assert headers["traceparent"] == traceparent(span)


@pytest.mark.asyncio
class TestClientSpans:
    async def test_one_span_per_call_with_its_attempts(
        self, make_client: ClientFactory, backend: Backend, recorded_spans: InMemorySpanExporter
    ) -> None:
        backend.script(Answer(503), Answer(200))
        with in_callers_trace("a" * 32, "b" * 16):
            await make_client(backend="traced-erp").get("/thing")
        [span] = recorded_spans.get_finished_spans()
        assert span.name == "traced-erp GET"
        assert span.kind is SpanKind.CLIENT
        assert span.parent is not None
        assert f"{span.parent.span_id:016x}" == "b" * 16
        assert span.attributes is not None
        assert span.attributes["http.response.status_code"] == 200
        assert span.attributes["http.request.resend_count"] == 1
        assert span.status.status_code is StatusCode.UNSET
        # Both attempts name the call's span as their parent.
        assert {call.headers["traceparent"] for call in backend.calls} == {traceparent(span)}

    async def test_the_backend_names_the_operation(
        self, make_client: ClientFactory, backend: Backend, recorded_spans: InMemorySpanExporter
    ) -> None:
        backend.script(Answer(404))
        client = make_client(span_name=lambda request: f"erp read {request.url.path[1:]}")
        await client.get("/A_SalesOrder")
        [span] = recorded_spans.get_finished_spans()
        assert span.name == "erp read A_SalesOrder"
        assert span.status.status_code is StatusCode.ERROR

    async def test_a_call_that_fails_records_the_error(
        self, make_client: ClientFactory, recorded_spans: InMemorySpanExporter
    ) -> None:
        client = make_client(base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)
        with pytest.raises(httpx.ConnectError):
            await client.get("/thing")
        [span] = recorded_spans.get_finished_spans()
        assert span.status.status_code is StatusCode.ERROR
        assert [event.name for event in span.events] == ["exception"]


@contextlib.contextmanager
def in_callers_trace(trace_id: str, span_id: str, *, tracestate: str = "") -> Iterator[None]:
    """Run the block in the context a caller's `traceparent` (and `tracestate`) name."""
    carrier = {"traceparent": f"00-{trace_id}-{span_id}-01", "tracestate": tracestate}
    token = otel_context.attach(extract_trace_context(carrier))
    try:
        yield
    finally:
        otel_context.detach(token)


@pytest.mark.asyncio
class TestTransportParity:
    async def test_cookie_header_set_by_the_caller_is_sent_alone(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        # A host name, not an IP: aiohttp's own cookie jar ignores cookies from IP addresses.
        client = make_client(base_url=backend.url.replace("127.0.0.1", "localhost"))
        backend.script(Answer(headers={"Set-Cookie": "tracker=issued; Path=/"}))
        await client.get("/login")
        await client.get("/thing")
        await client.get("/thing", headers={"Cookie": "sid=chosen"})
        client.cookies.clear()
        await client.get("/thing")
        assert [call.headers.get("Cookie") for call in backend.calls] == [
            None,
            "tracker=issued",
            "sid=chosen",
            None,
        ]

    async def test_cookies_outlive_answers_that_set_none_and_can_be_replaced(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client(base_url=backend.url.replace("127.0.0.1", "localhost"))
        backend.script(
            Answer(headers={"Set-Cookie": "session=one; Path=/"}),
            Answer(),
            Answer(headers={"Set-Cookie": "session=two; Path=/"}),
        )
        for _ in range(4):
            await client.get("/thing")
        client.cookies = {"session": "chosen"}
        await client.get("/thing")
        assert [call.headers.get("Cookie") for call in backend.calls] == [
            None,
            "session=one",
            "session=one",
            "session=two",
            "session=chosen",
        ]

    async def test_each_path_gets_the_cookies_of_its_path(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client(base_url=backend.url.replace("127.0.0.1", "localhost"))
        backend.script(Answer(headers={"Set-Cookie": "scoped=yes; Path=/odata"}))
        await client.get("/odata/login")
        for path in ("/odata/Orders", "/other", "/odata/Orders", "/other"):
            await client.get(path)
        assert [call.headers.get("Cookie") for call in backend.calls[1:]] == [
            "scoped=yes",
            None,
            "scoped=yes",
            None,
        ]

    async def test_cookies_set_or_deleted_by_the_caller_are_sent_from_then_on(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client(base_url=backend.url.replace("127.0.0.1", "localhost"))
        await client.get("/thing")
        client.cookies.set("session", "set", domain="localhost.local")
        await client.get("/thing")
        client.cookies.set("other", "too", domain="localhost.local")
        await client.get("/thing")
        client.cookies.delete("session")
        await client.get("/thing")
        assert [call.headers.get("Cookie") for call in backend.calls] == [
            None,
            "session=set",
            "session=set; other=too",
            "other=too",
        ]

    async def test_a_new_base_url_is_used_for_the_same_path(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client(base_url=f"{backend.url}/v1")
        await client.get("/thing")
        client.base_url = httpx.URL(f"{backend.url}/v2")
        await client.get("/thing")
        assert [call.path for call in backend.calls] == ["/v1/thing", "/v2/thing"]

    async def test_bare_bytes_get_no_content_type(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        await make_client().post("/raw", content=b"payload")
        assert "Content-Type" not in backend.calls[0].headers
        assert backend.calls[0].body == b"payload"


def breaker_client(
    make_client: ClientFactory, *, backend: str, failure_threshold: int
) -> tuple[httpx.AsyncClient, CircuitBreaker, Clock]:
    """A client that does not retry, behind a breaker that opens for 10 s on the test's clock."""
    clock = Clock()
    breaker = CircuitBreaker(
        backend=backend, failure_threshold=failure_threshold, reset_seconds=10, clock=clock
    )
    return make_client(backend=backend, max_retries=0, breaker=breaker), breaker, clock


@pytest.mark.asyncio
class TestCircuitBreaker:
    async def test_opens_fails_fast_half_opens_and_closes(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client, breaker, clock = breaker_client(make_client, backend="flaky", failure_threshold=3)
        backend.script(503, 503, 503)
        for _ in range(3):
            assert (await client.get("/thing")).status_code == 503
        assert breaker.state is BreakerState.OPEN
        assert sample("trivium_circuit_breaker_state", backend="flaky") == 2
        with pytest.raises(CircuitOpenError) as raised:
            await client.get("/thing")
        assert raised.value.backend == "flaky"
        assert raised.value.retry_after == 10
        assert len(backend.calls) == 3, "failed fast: the backend saw nothing"
        clock.now += 10
        assert breaker.state is BreakerState.HALF_OPEN
        assert (await client.get("/thing")).status_code == 200
        assert breaker.state is BreakerState.CLOSED
        assert sample("trivium_circuit_breaker_state", backend="flaky") == 0

    async def test_failed_trial_opens_it_again(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client, breaker, clock = breaker_client(make_client, backend="flaky-2", failure_threshold=1)
        backend.script(503, 503)
        await client.get("/thing")
        clock.now += 10
        assert (await client.get("/thing")).status_code == 503
        assert breaker.state is BreakerState.OPEN
        with pytest.raises(CircuitOpenError):
            await client.get("/thing")
        assert len(backend.calls) == 2

    async def test_concurrent_calls_fail_fast_during_the_trial(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client, breaker, clock = breaker_client(make_client, backend="flaky-3", failure_threshold=1)
        trial_answered = asyncio.Event()
        backend.script(503, Answer(hold=trial_answered))
        await client.get("/thing")
        clock.now += 10
        trial = asyncio.create_task(client.get("/thing"))
        await wait_until(lambda: len(backend.calls) == 2)
        with pytest.raises(CircuitOpenError):
            await client.get("/thing")
        trial_answered.set()
        assert (await trial).status_code == 200
        assert breaker.state is BreakerState.CLOSED

    async def test_retries_count_toward_opening_and_stop_when_it_opens(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        breaker = CircuitBreaker(backend="flaky-4", failure_threshold=3, reset_seconds=60)
        client = make_client(backend="flaky-4", max_retries=5, breaker=breaker)
        backend.script(*[503] * 10)
        response = await client.get("/thing")
        assert response.status_code == 503
        assert len(backend.calls) == 3
        assert breaker.state is BreakerState.OPEN

    async def test_client_errors_are_not_backend_failures(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client(failure_threshold=2, max_retries=0)
        backend.script(400, 404, 422, 409, 500, 429)
        for _ in range(6):
            await client.get("/thing")
        assert (await client.get("/thing")).status_code == 200
        assert len(backend.calls) == 7

    async def test_refused_connections_open_it(self, make_client: ClientFactory) -> None:
        client = make_client(
            base_url=f"http://127.0.0.1:{free_port()}", failure_threshold=2, max_retries=5
        )
        with pytest.raises(httpx.ConnectError):
            await client.get("/thing")
        with pytest.raises(CircuitOpenError):
            await client.get("/thing")


@pytest.mark.asyncio
class TestMetrics:
    async def test_calls_errors_retries_and_durations_are_counted(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client()
        name = backend_of(client)
        backend.script(503, 404)
        await client.get("/thing")
        await client.get("/thing")

        def calls(outcome: str) -> float:
            return sample(
                "trivium_backend_calls_total", backend=name, method="GET", outcome=outcome
            )

        assert (calls("503"), calls("200"), calls("404")) == (1, 1, 1)
        assert sample("trivium_backend_errors_total", backend=name, reason="503") == 1
        assert sample("trivium_backend_errors_total", backend=name, reason="404") == 0
        assert sample("trivium_backend_retries_total", backend=name) == 1
        count = sample("trivium_backend_call_duration_seconds_count", backend=name, method="GET")
        assert count == 3
        assert sample("trivium_circuit_breaker_state", backend=name) == 0

    async def test_transport_errors_are_counted_by_class(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        client = make_client(max_retries=0)
        name = backend_of(client)
        backend.script(Answer(drop=True))
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/orders", json={"a": 1})
        reason = "RemoteProtocolError"
        assert sample("trivium_backend_errors_total", backend=name, reason=reason) == 1
        labels = {"backend": name, "method": "POST", "outcome": reason}
        assert sample("trivium_backend_calls_total", **labels) == 1


@pytest.mark.asyncio
class TestCallLog:
    @staticmethod
    def calls(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str, object]]:
        return [
            (record.levelno, record.message, record.__dict__["outcome"])
            for record in caplog.records
            if record.message.startswith("http.call")
        ]

    async def test_answers_are_detail_and_error_answers_a_little_more(
        self, make_client: ClientFactory, backend: Backend, caplog: pytest.LogCaptureFixture
    ) -> None:
        client = make_client(max_retries=0)
        backend.script(200, 404, 503)
        with caplog.at_level(logging.DEBUG, logger="trivium.http_client"):
            for _ in range(3):
                await client.get("/thing", params={"name": "Anna"})
        assert self.calls(caplog) == [
            (logging.DEBUG, "http.call", 200),
            (logging.DEBUG, "http.call", 404),
            (logging.INFO, "http.call", 503),
        ]
        # Query strings carry search terms: only the path is logged.
        paths = {r.__dict__["path"] for r in caplog.records if r.name == "trivium.http_client"}
        assert paths == {"/thing"}

    async def test_a_call_without_an_answer_is_a_warning(
        self, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
    ) -> None:
        client = make_client(base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)
        with (
            caplog.at_level(logging.WARNING, logger="trivium.http_client"),
            pytest.raises(httpx.ConnectError),
        ):
            await client.get("/thing")
        assert self.calls(caplog) == [(logging.WARNING, "http.call_failed", "ConnectError")]


@pytest.mark.asyncio
class TestCreateFromSettings:
    async def test_retry_and_breaker_settings_apply(self, backend: Backend) -> None:
        settings = ServiceSettings(
            http_max_retries=1, breaker_failure_threshold=2, breaker_reset_seconds=60
        )
        backend.script(503, 503, 503)
        async with create_http_client_from_settings(
            settings, backend="from-settings", base_url=backend.url
        ) as client:
            assert (await client.get("/thing")).status_code == 503
            assert len(backend.calls) == 2
            with pytest.raises(CircuitOpenError):
                await client.get("/thing")

    async def test_a_long_retry_after_is_passed_on_not_waited_out(self, backend: Backend) -> None:
        backend.script(Answer(503, headers={"Retry-After": "20"}))
        async with create_http_client_from_settings(
            ServiceSettings(http_max_retries=2),
            backend="from-settings-retry-after",
            base_url=backend.url,
            max_retry_after_seconds=1.0,
        ) as client:
            response = await client.get("/thing")
        assert (response.status_code, response.headers["retry-after"]) == (503, "20")
        assert len(backend.calls) == 1

    async def test_by_default_a_retry_after_above_two_seconds_is_passed_on(
        self, backend: Backend
    ) -> None:
        backend.script(Answer(503, headers={"Retry-After": "3"}))
        async with create_http_client_from_settings(
            ServiceSettings(http_max_retries=2),
            backend="from-settings-default",
            base_url=backend.url,
        ) as client:
            response = await client.get("/thing")
        assert (response.status_code, response.headers["retry-after"]) == (503, "3")
        assert len(backend.calls) == 1

    async def test_the_longest_wait_and_the_transport_come_from_the_environment(
        self, backend: Backend, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TRIVIUM_HTTP_MAX_RETRY_AFTER_SECONDS", "0")
        settings = ServiceSettings(http_max_retries=2, http_transport="httpcore")
        assert settings.http_max_retry_after_seconds == 0
        backend.script(Answer(503, headers={"Retry-After": "1"}))
        async with create_http_client_from_settings(
            settings, backend="from-settings-env", base_url=backend.url
        ) as client:
            inner = client._transport.inner  # type: ignore[attr-defined]
            assert isinstance(inner, httpx.AsyncHTTPTransport)
            response = await client.get("/thing")
        assert response.status_code == 503
        assert len(backend.calls) == 1


def problem_app(call: Callable[[], Awaitable[httpx.Response]]) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/relay")
    async def relay() -> dict[str, int]:
        try:
            response = await call()
        except httpx.TransportError as error:
            raise upstream_problem(error, what="The ERP") from error
        return {"status": response.status_code}

    return app


class TestUpstreamProblem:
    def test_open_circuit_is_503_with_retry_after(self) -> None:
        problem = upstream_problem(CircuitOpenError("erp", 4.2), what="The ERP")
        assert problem.status == 503
        assert problem.headers["Retry-After"] == "5"

    @pytest.mark.parametrize(
        ("error", "status"),
        [
            (httpx.ConnectError("refused"), 503),
            (httpx.ConnectTimeout("slow connect"), 503),
            (httpx.ReadTimeout("slow"), 504),
            (httpx.RemoteProtocolError("gone"), 502),
            (httpx.ReadError("reset"), 502),
        ],
    )
    def test_transport_errors_map_to_upstream_statuses(
        self, error: httpx.TransportError, status: int
    ) -> None:
        assert upstream_problem(error).status == status

    @pytest.mark.asyncio
    async def test_service_answers_problem_json_while_the_circuit_is_open(
        self, make_client: ClientFactory, backend: Backend
    ) -> None:
        breaker = CircuitBreaker(backend="erp-relay", failure_threshold=1, reset_seconds=30)
        upstream = make_client(backend="erp-relay", max_retries=0, breaker=breaker)
        backend.script(503)
        await upstream.get("/thing")
        async with app_client(problem_app(lambda: upstream.get("/thing"))) as client:
            response = await client.get("/relay")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["retry-after"]) in range(29, 31)
        assert response.json()["type"].endswith("/service-unavailable")


@pytest.mark.asyncio
class TestServiceClient:
    async def test_calls_carry_a_token_for_the_named_service_until_the_stack_closes(
        self, backend: Backend, tmp_path: Path
    ) -> None:
        ring = KeyRing(tmp_path / "keys")
        settings = ServiceSettings(service_name="quote-to-order", **ring.settings("quote-to-order"))
        issuer, _ = token_pair(settings)
        async with AsyncExitStack() as stack:
            client = service_client(
                stack, settings, backend="erp-system", base_url=backend.url, issuer=issuer
            )
            await client.get("/thing")
        assert client.is_closed
        token = backend.calls[0].headers["Authorization"].removeprefix("Bearer ")
        assert jwt.decode(token, options={"verify_signature": False})["aud"] == "erp-system"

    async def test_without_an_issuer_no_token_is_sent(self, backend: Backend) -> None:
        async with AsyncExitStack() as stack:
            client = service_client(
                stack, ServiceSettings(), backend="quote-to-order", base_url=backend.url
            )
            await client.get("/thing")
        assert "Authorization" not in backend.calls[0].headers

    async def test_the_system_api_clients_call_each_api_with_a_token_for_it(
        self, backend: Backend, tmp_path: Path
    ) -> None:
        ring = KeyRing(tmp_path / "keys")
        settings = SystemApiCallerSettings(
            service_name="quote-to-order",
            salesforce_system_url=f"{backend.url}/crm",
            erp_system_url=f"{backend.url}/erp",
            **ring.settings("quote-to-order"),
        )
        issuer, _ = token_pair(settings)
        async with AsyncExitStack() as stack:
            clients = system_api_clients(stack, settings, issuer)
            for client in clients:
                await client.get("thing")
        assert all(client.is_closed for client in clients)
        audiences = [
            jwt.decode(
                call.headers["Authorization"].removeprefix("Bearer "),
                options={"verify_signature": False},
            )["aud"]
            for call in backend.calls
        ]
        assert [call.path for call in backend.calls] == ["/crm/thing", "/erp/thing"]
        assert audiences == ["salesforce-system", "erp-system"]
