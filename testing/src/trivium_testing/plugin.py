"""pytest plugin (this package's `pytest11` entry point): Redis and service-process fixtures."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import redis
import redis.asyncio
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from trivium.redis_discovery import (
    RedisEndpoint,
    answers_ping,
    start_fake_redis_server,
    start_redis_server,
)
from trivium.settings import ServiceSettings
from trivium.tracing import install_tracing
from trivium_testing.redis_cluster import (  # noqa: F401 (the fixtures and marking of `cluster`)
    pytest_collection_modifyitems,
    redis_cluster,
    redis_cluster_url,
)
from trivium_testing.scoreboard import (  # noqa: F401 (the hooks and fixture of the table)
    pytest_configure,
    pytest_terminal_summary,
    scoreboard,
)
from trivium_testing.services import RunningService, start_service
from trivium_testing.stack import (
    RepClients,
    ServiceUnderTest,
    SystemStack,
    rep_clients,
    service_client,
    start_system_stack,
)
from trivium_testing.tls import share_default_ssl_context

SHARED_REDIS_TEST_DB = 13

share_default_ssl_context()


def _test_redis(run_dir: Path) -> RedisEndpoint:
    """A Redis the tests may flush: given, private, a spare DB of a local one, or fakeredis."""
    given = os.environ.get("TRIVIUM_TEST_REDIS_URL")
    if given:
        return RedisEndpoint(url=given, origin="env")
    try:
        return start_redis_server(run_dir)
    except FileNotFoundError:
        pass
    local = f"redis://127.0.0.1:6379/{SHARED_REDIS_TEST_DB}"
    if answers_ping(local):
        return RedisEndpoint(url=local, origin="local")
    return start_fake_redis_server()


@pytest.fixture(scope="session")
def trivium_run_dir() -> Iterator[Path]:
    """A scratch folder for this test session's server files and service logs."""
    with tempfile.TemporaryDirectory(prefix="trivium-test-") as folder:
        yield Path(folder)


class SpanRecorder(SpanProcessor):
    """Keeps the spans that end while a test records them (see `recorded_spans`)."""

    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.recording = False

    def on_end(self, span: ReadableSpan) -> None:
        if self.recording:
            self.spans.export((span,))


@pytest.fixture(scope="session", autouse=True)
def span_recorder() -> SpanRecorder:
    """Tracing installed in the test process before any test, as a service installs it."""
    recorder = SpanRecorder()
    install_tracing(ServiceSettings(service_name="trivium-tests")).add_span_processor(recorder)
    return recorder


@pytest.fixture
def recorded_spans(span_recorder: SpanRecorder) -> Iterator[InMemorySpanExporter]:
    """The spans finished in the test process during this test."""
    span_recorder.spans.clear()
    span_recorder.recording = True
    yield span_recorder.spans
    span_recorder.recording = False
    span_recorder.spans.clear()


@pytest.fixture(scope="session")
def redis_endpoint(trivium_run_dir: Path) -> Iterator[RedisEndpoint]:
    """The Redis this test session owns (see `_test_redis`)."""
    endpoint = _test_redis(trivium_run_dir / "redis")
    yield endpoint
    endpoint.stop()


@pytest.fixture
def redis_url(redis_endpoint: RedisEndpoint) -> str:
    """The URL of an empty Redis database for this test."""
    client = redis.Redis.from_url(redis_endpoint.url)
    try:
        client.flushdb()
    finally:
        client.close()
    return redis_endpoint.url


@pytest_asyncio.fixture
async def redis_client(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    """An asyncio Redis client on this test's empty database."""
    client = redis.asyncio.Redis.from_url(redis_url)
    yield client
    await client.aclose()


ServiceStarter = Callable[..., RunningService]


@pytest.fixture
def run_service(trivium_run_dir: Path) -> Iterator[ServiceStarter]:
    """Start services as real uvicorn processes for one test; all are stopped afterwards."""
    started: list[RunningService] = []

    def start(app_factory: str, *, name: str, **options: Any) -> RunningService:
        service = start_service(app_factory, name=name, log_dir=trivium_run_dir / "logs", **options)
        started.append(service)
        return service

    yield start
    for service in reversed(started):
        service.stop()


@pytest.fixture(scope="session")
def system_stack(trivium_run_dir: Path, redis_endpoint: RedisEndpoint) -> Iterator[SystemStack]:
    """Both emulators and both System APIs, started once per test session (see `stack`)."""
    stack = start_system_stack(log_dir=trivium_run_dir / "logs", redis_url=redis_endpoint.url)
    yield stack
    stack.stop()


@pytest_asyncio.fixture
async def operator(service_under_test: ServiceUnderTest) -> AsyncIterator[httpx.AsyncClient]:
    """The service under test, called with a service token that carries the operator role."""
    service = service_under_test
    async with service_client(service.url, audience=service.audience, roles=["operator"]) as client:
        yield client


@pytest_asyncio.fixture
async def reps(service_under_test: ServiceUnderTest) -> AsyncIterator[RepClients]:
    """The service under test, called on behalf of each demo rep (see `rep_clients`)."""
    service = service_under_test
    async with rep_clients(service.url, audience=service.audience) as clients:
        yield clients
