"""The resilient client against a scripted backend on loopback: retries, breaker, headers."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import pytest_asyncio
import uvicorn
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from trivium.circuit_breaker import BreakerState, CircuitBreaker, CircuitOpenError
from trivium.correlation import TraceContext, correlation_id_var, trace_context_var
from trivium.http_client import TransportName, create_http_client, upstream_problem
from trivium.redis_discovery import free_port


@dataclass
class Script:
    """What the backend answers next, and what it has seen."""

    statuses: list[int] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    seen: list[Request] = field(default_factory=list)
    seen_headers: list[dict[str, str]] = field(default_factory=list)


def scripted_app(script: Script) -> Starlette:
    async def answer(request: Request) -> Response:
        script.seen.append(request)
        script.seen_headers.append(dict(request.headers))
        status = script.statuses.pop(0) if script.statuses else 200
        return JSONResponse({"status": status}, status_code=status, headers=script.headers)

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST", "PATCH"])])


@pytest.fixture(scope="module")
def backend() -> Iterator[tuple[str, Script]]:
    script = Script()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(scripted_app(script), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}", script
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def script(backend: tuple[str, Script]) -> Script:
    script = backend[1]
    script.statuses.clear()
    script.headers.clear()
    script.seen.clear()
    script.seen_headers.clear()
    return script


@pytest_asyncio.fixture(params=["aiohttp", "httpcore"])
async def client(
    request: pytest.FixtureRequest, backend: tuple[str, Script]
) -> AsyncIterator[httpx.AsyncClient]:
    transport: TransportName = request.param
    async with create_http_client(
        backend=f"scripted-{transport}",
        base_url=backend[0],
        max_retries=3,
        backoff_seconds=0.01,
        failure_threshold=100,
        transport=transport,
        service_token=lambda: "service-token-1",
    ) as client:
        yield client


class TestRetries:
    @pytest.mark.asyncio
    @pytest.mark.parametrize("status", [502, 503, 504, 429])
    async def test_transient_answers_are_retried_until_success(
        self, client: httpx.AsyncClient, script: Script, status: int
    ) -> None:
        script.statuses[:] = [status, status]
        response = await client.get("/thing")
        assert response.status_code == 200
        assert len(script.seen) == 3

    @pytest.mark.asyncio
    @pytest.mark.parametrize("status", [400, 404, 422, 500])
    async def test_client_errors_and_bugs_are_never_retried(
        self, client: httpx.AsyncClient, script: Script, status: int
    ) -> None:
        script.statuses[:] = [status, 200]
        response = await client.get("/thing")
        assert response.status_code == status
        assert len(script.seen) == 1

    @pytest.mark.asyncio
    async def test_gives_up_after_the_last_attempt(
        self, client: httpx.AsyncClient, script: Script
    ) -> None:
        script.statuses[:] = [503] * 10
        response = await client.get("/thing")
        assert response.status_code == 503
        assert len(script.seen) == 4

    @pytest.mark.asyncio
    async def test_post_without_idempotency_key_is_not_retried(
        self, client: httpx.AsyncClient, script: Script
    ) -> None:
        script.statuses[:] = [503, 200]
        response = await client.post("/orders", json={"a": 1})
        assert response.status_code == 503
        assert len(script.seen) == 1

    @pytest.mark.asyncio
    async def test_post_with_idempotency_key_is_retried_with_its_body(
        self, client: httpx.AsyncClient, script: Script
    ) -> None:
        script.statuses[:] = [503, 200]
        response = await client.post("/orders", json={"a": 1}, headers={"Idempotency-Key": "k1"})
        assert response.status_code == 200
        assert len(script.seen) == 2

    @pytest.mark.asyncio
    async def test_retry_after_is_honoured(self, client: httpx.AsyncClient, script: Script) -> None:
        script.statuses[:] = [503]
        script.headers["Retry-After"] = "1"
        started = time.perf_counter()
        response = await client.get("/thing")
        assert response.status_code == 200
        assert time.perf_counter() - started >= 0.95

    @pytest.mark.asyncio
    async def test_refused_connection_is_retried_then_raised(self) -> None:
        async with create_http_client(
            backend="nobody-home", base_url=f"http://127.0.0.1:{free_port()}", backoff_seconds=0.01
        ) as client:
            with pytest.raises((httpx.ConnectError, httpx.ConnectTimeout)):
                await client.get("/thing")
        retries = REGISTRY.get_sample_value(
            "trivium_backend_retries_total", {"backend": "nobody-home"}
        )
        assert retries == 3


class TestContextHeaders:
    @pytest.mark.asyncio
    async def test_correlation_trace_and_service_token_are_sent(
        self, client: httpx.AsyncClient, script: Script
    ) -> None:
        correlation = correlation_id_var.set("corr-out-1")
        trace = trace_context_var.set(TraceContext("c" * 32, "d" * 16))
        try:
            await client.get("/thing")
        finally:
            correlation_id_var.reset(correlation)
            trace_context_var.reset(trace)
        headers = script.seen_headers[0]
        assert headers["x-correlation-id"] == "corr-out-1"
        assert headers["traceparent"].startswith("00-" + "c" * 32 + "-")
        assert headers["authorization"] == "Bearer service-token-1"


class TestCircuitBreaker:
    @pytest.mark.asyncio
    async def test_opens_fails_fast_half_opens_and_closes(
        self, backend: tuple[str, Script], script: Script
    ) -> None:
        breaker = CircuitBreaker(backend="flaky", failure_threshold=3, reset_seconds=0.3)
        async with create_http_client(
            backend="flaky", base_url=backend[0], max_retries=0, breaker=breaker
        ) as client:
            script.statuses[:] = [503, 503, 503]
            for _ in range(3):
                await client.get("/thing")
            assert breaker.state is BreakerState.OPEN
            started = time.perf_counter()
            with pytest.raises(CircuitOpenError):
                await client.get("/thing")
            assert time.perf_counter() - started < 0.05
            assert len(script.seen) == 3
            await asyncio.sleep(0.35)
            assert breaker.state is BreakerState.HALF_OPEN
            assert (await client.get("/thing")).status_code == 200
            assert breaker.state is BreakerState.CLOSED
        assert REGISTRY.get_sample_value("trivium_circuit_breaker_state", {"backend": "flaky"}) == 0

    @pytest.mark.asyncio
    async def test_failed_trial_opens_it_again(
        self, backend: tuple[str, Script], script: Script
    ) -> None:
        breaker = CircuitBreaker(backend="flaky-2", failure_threshold=1, reset_seconds=0.1)
        async with create_http_client(
            backend="flaky-2", base_url=backend[0], max_retries=0, breaker=breaker
        ) as client:
            script.statuses[:] = [503, 503]
            await client.get("/thing")
            await asyncio.sleep(0.15)
            await client.get("/thing")
            assert breaker.state is BreakerState.OPEN

    def test_only_one_trial_at_a_time_while_half_open(self) -> None:
        now = [0.0]
        breaker = CircuitBreaker(
            backend="clocked", failure_threshold=1, reset_seconds=10, clock=lambda: now[0]
        )
        breaker.before_call()
        breaker.record_failure()
        now[0] = 10.0
        breaker.before_call()
        with pytest.raises(CircuitOpenError):
            breaker.before_call()
        breaker.record_success()
        breaker.before_call()

    def test_client_errors_do_not_count_as_failures(self) -> None:
        breaker = CircuitBreaker(backend="quiet", failure_threshold=2)
        breaker.record_success()
        assert breaker.state is BreakerState.CLOSED


class TestUpstreamProblem:
    def test_open_circuit_is_503_with_retry_after(self) -> None:
        problem = upstream_problem(CircuitOpenError("erp", 4.2), what="The ERP")
        assert problem.status == 503
        assert problem.headers["Retry-After"] == "5"

    def test_timeout_is_504(self) -> None:
        assert upstream_problem(httpx.ReadTimeout("slow")).status == 504
