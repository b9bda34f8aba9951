"""The composed service app: problem+json everywhere, correlation, readiness and metrics."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import REGISTRY
from pydantic import BaseModel

from trivium.app import create_service_app, no_lifespan, writing_spans_at_shutdown
from trivium.health import add_degradation_check, add_readiness_check
from trivium.problems import Conflict, FieldError, NotFound, ServiceUnavailable
from trivium.settings import ServiceSettings
from trivium.span_files import SpanFileProcessor, read_span_files
from trivium.spans import TriviumTracerProvider
from trivium.tracing import traceparent
from trivium_testing.apps import app_client

pytestmark = pytest.mark.asyncio

PROBLEM = "application/problem+json"


class Widget(BaseModel):
    name: str
    quantity: int


def build_app() -> FastAPI:
    app = create_service_app(
        ServiceSettings(service_name="widgets", log_format="text"),
        title="Widgets",
        guard_requests=False,  # the guard has tests of its own (test_request_guard.py)
    )

    @app.get("/widgets/{widget_id}")
    async def get_widget(widget_id: str) -> Widget:
        if widget_id == "crash":
            raise RuntimeError("a bug with a secret in it: hunter2")
        if widget_id == "taken":
            raise Conflict("Widget is locked.", errors=[FieldError(pointer="/name", detail="x")])
        if widget_id == "paused":
            raise ServiceUnavailable("The widget store is failing.")
        raise NotFound(f"No widget {widget_id}.")

    @app.post("/widgets")
    async def create_widget(widget: Widget) -> Widget:
        return widget

    return app


@pytest_asyncio.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(build_app(), raise_app_exceptions=False) as client:
        yield client


class TestProblemResponses:
    async def test_raised_problem_is_rendered_with_its_type(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/widgets/42", headers={"X-Correlation-ID": "corr-1"})
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert response.json() == {
            "type": "https://trivium.dev/problems/not-found",
            "title": "Not found",
            "status": 404,
            "detail": "No widget 42.",
            "instance": "/widgets/42",
            "correlationId": "corr-1",
        }

    async def test_problem_carries_field_errors(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/widgets/taken")
        assert response.status_code == 409
        assert response.json()["errors"] == [{"pointer": "/name", "detail": "x"}]

    async def test_validation_error_is_422_with_one_error_per_field(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/widgets", json={"name": 5, "quantity": "many"})
        assert response.status_code == 422
        body = response.json()
        assert body["type"] == "https://trivium.dev/problems/validation-failed"
        assert {error["pointer"] for error in body["errors"]} == {"/name", "/quantity"}

    async def test_malformed_json_is_422_not_500(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/widgets", content=b'{"name": ', headers={"content-type": "application/json"}
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM

    async def test_unknown_route_is_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/nowhere")
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM

    async def test_wrong_method_is_405_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/widgets")
        assert response.status_code == 405
        assert response.json()["type"] == "https://trivium.dev/problems/method-not-allowed"

    async def test_unexpected_error_is_generic_500_with_correlation_id(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/widgets/crash", headers={"X-Correlation-ID": "corr-500"})
        assert response.status_code == 500
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["correlationId"] == "corr-500"
        assert "hunter2" not in response.text
        assert "Traceback" not in response.text


class TestRequestLog:
    @staticmethod
    def served(caplog: pytest.LogCaptureFixture) -> list[tuple[int, int]]:
        return [
            (record.levelno, record.__dict__["status"])
            for record in caplog.records
            if record.message == "request.served"
        ]

    async def test_answered_request_is_logged_at_debug(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.DEBUG, logger="trivium.request"):
            await client.post("/widgets", json={"name": "bolt", "quantity": 1})
        assert self.served(caplog) == [(logging.DEBUG, 200)]

    async def test_answered_request_is_not_logged_at_info(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="trivium.request"):
            await client.post("/widgets", json={"name": "bolt", "quantity": 1})
        assert self.served(caplog) == []

    async def test_failures_are_logged_by_whose_fault_they_are(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="trivium.request"):
            await client.get("/widgets/42")
            await client.get("/widgets/paused")
            await client.get("/widgets/crash")
        assert self.served(caplog) == [
            (logging.INFO, 404),
            (logging.WARNING, 503),
            (logging.ERROR, 500),
        ]


class TestCorrelation:
    async def test_incoming_correlation_id_is_echoed(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz", headers={"X-Correlation-ID": "abc-123"})
        assert response.headers["x-correlation-id"] == "abc-123"

    async def test_missing_or_unsafe_correlation_id_is_replaced(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/healthz", headers={"X-Correlation-ID": "bad id<script>"})
        assert response.headers["x-correlation-id"] != "bad id"
        assert len(response.headers["x-correlation-id"]) == 32

    async def test_trace_continues_the_callers_trace(self, client: httpx.AsyncClient) -> None:
        parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        response = await client.get("/healthz", headers={"traceparent": parent})
        _, trace_id, span_id, _ = response.headers["traceparent"].split("-")
        assert trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
        assert span_id != "00f067aa0ba902b7"


class TestServerSpans:
    async def test_a_request_is_a_server_span_in_the_callers_trace(
        self, client: httpx.AsyncClient, recorded_spans: InMemorySpanExporter
    ) -> None:
        parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        headers = {"traceparent": parent, "tracestate": "vendor=1", "X-Correlation-ID": "c-7"}

        response = await client.get("/widgets/taken", headers=headers)

        [span] = recorded_spans.get_finished_spans()
        assert (span.name, span.kind) == ("GET /widgets/{widget_id}", SpanKind.SERVER)
        assert span.parent is not None
        assert f"{span.parent.span_id:016x}" == "00f067aa0ba902b7"
        assert span.context.trace_state.to_header() == "vendor=1"
        assert span.attributes is not None
        assert span.attributes["trivium.correlation_id"] == "c-7"
        assert span.attributes["http.route"] == "/widgets/{widget_id}"
        assert span.attributes["http.response.status_code"] == 409
        assert span.status.status_code is StatusCode.UNSET
        assert response.headers["traceparent"] == traceparent(span)

    async def test_a_server_error_marks_the_span(
        self, client: httpx.AsyncClient, recorded_spans: InMemorySpanExporter
    ) -> None:
        await client.get("/widgets/crash")

        [span] = recorded_spans.get_finished_spans()
        assert span.status.status_code is StatusCode.ERROR
        assert [event.name for event in span.events] == ["exception"]

    async def test_probes_are_not_recorded(
        self, client: httpx.AsyncClient, recorded_spans: InMemorySpanExporter
    ) -> None:
        for path in ("/healthz", "/readyz", "/metrics"):
            response = await client.get(path)
            assert response.headers["traceparent"].endswith("-00")

        assert recorded_spans.get_finished_spans() == ()


class TestSpansAtShutdown:
    async def test_the_spans_kept_are_written_when_the_app_shuts_down(self, tmp_path: Path) -> None:
        spans = TriviumTracerProvider(shutdown_on_exit=False)
        spans.add_span_processor(SpanFileProcessor(tmp_path / "widgets.jsonl", delay_seconds=60))
        lifespan = writing_spans_at_shutdown(no_lifespan, spans)

        async with lifespan(FastAPI()):
            spans.get_tracer("test").start_span("GET /widgets/{widget_id}").end()
            assert read_span_files(tmp_path).spans == []  # kept for a minute

        assert [span.name for span in read_span_files(tmp_path).spans] == [
            "GET /widgets/{widget_id}"
        ]


class TestReadiness:
    async def test_ready_when_every_check_passes(self) -> None:
        app = build_app()

        async def fine() -> None:
            return None

        add_readiness_check(app, "database", fine)
        async with app_client(app) as client:
            response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {"status": "ready", "checks": {"database": "up"}}

    async def test_not_ready_names_the_failing_dependency(self) -> None:
        app = build_app()

        async def broken() -> None:
            raise ConnectionError("refused")

        async def fine() -> None:
            return None

        add_readiness_check(app, "redis", broken)
        add_readiness_check(app, "erp", fine)
        async with app_client(app) as client:
            response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"] == {"redis": "down: ConnectionError", "erp": "up"}

    async def test_a_ready_service_working_below_par_says_degraded_with_the_reason(
        self,
    ) -> None:
        app = build_app()
        reasons = ["cdc lags 300 s behind", None]

        async def fine() -> None:
            return None

        async def lagging() -> str | None:
            return reasons.pop(0)

        add_readiness_check(app, "redis", fine)
        add_degradation_check(app, "sync", lagging)
        async with app_client(app) as client:
            degraded = await client.get("/readyz")
            recovered = await client.get("/readyz")
        assert degraded.status_code == 200
        assert degraded.json() == {
            "status": "degraded",
            "checks": {"redis": "up"},
            "degraded": {"sync": "cdc lags 300 s behind"},
        }
        assert recovered.json() == {"status": "ready", "checks": {"redis": "up"}}


class TestMetrics:
    async def test_requests_are_counted_by_route_template(self, client: httpx.AsyncClient) -> None:
        labels = {"service": "widgets", "method": "GET", "route": "/widgets/{widget_id}"}
        before = REGISTRY.get_sample_value(
            "trivium_http_requests_total", {**labels, "status": "404"}
        )
        await client.get("/widgets/1")
        await client.get("/widgets/2")
        after = REGISTRY.get_sample_value(
            "trivium_http_requests_total", {**labels, "status": "404"}
        )
        assert (after or 0) - (before or 0) == 2
        exposition = (await client.get("/metrics")).text
        assert 'route="/widgets/{widget_id}"' in exposition
        assert "trivium_http_request_duration_seconds_bucket" in exposition


class TestRouteTemplate:
    async def test_prefix_of_an_included_router_is_part_of_the_template(self) -> None:
        from fastapi import APIRouter

        app = create_service_app(
            ServiceSettings(service_name="nested", log_format="text"),
            title="N",
            guard_requests=False,
        )
        router = APIRouter(prefix="/inner")

        @router.get("/items/{item_id}")
        async def get_item(item_id: str) -> dict[str, str]:
            return {"id": item_id}

        app.include_router(router, prefix="/v1")
        async with app_client(app) as client:
            await client.get("/v1/inner/items/7")
        labels = {
            "service": "nested",
            "method": "GET",
            "route": "/v1/inner/items/{item_id}",
            "status": "200",
        }
        assert REGISTRY.get_sample_value("trivium_http_requests_total", labels) == 1
