"""One trace per order across the tiers: a partner order through the gateway, queued by
quote-to-order and run by its worker, is one trace in the span files the stack wrote, from the
gateway down to both emulators, and `trivium trace` prints it."""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from trivium_cli.main import app
from trivium_cli.settings import CliSettings
from trivium_cli.traces import build_trace, trace_ids_for
from typer.testing import CliRunner

from trivium.span_files import SpanRecord, read_span_files
from trivium_testing.services import RunningService, traces_dir
from trivium_testing.waiting import until

GOLD_KEY = "demo-gold-7f3a91c2e4b85d06"
# Every process an async partner order passes through, as each names itself in its spans.
ORDER_PATH = {
    "gateway",
    "partner-portal-experience",
    "quote-to-order",
    "quote-to-order-worker",
    "salesforce-system",
    "erp-system",
    "salesforce-emulator",
    "s4hana-emulator",
}
# What the client sends: its own trace context, which every span must carry on.
CLIENT_TRACE_STATE = "trivium-test=order"


@dataclass(frozen=True)
class PlacedOrder:
    order_id: str
    correlation_id: str
    trace_id: str
    span_files: Path

    def spans(self) -> list[SpanRecord]:
        return read_span_files(self.span_files).spans


async def place_async_order(gateway_url: str, span_files: Path) -> PlacedOrder:
    """A partner order with `Prefer: respond-async`, followed until it is completed and every
    process on its path has written its spans."""
    trace_id = secrets.token_hex(16)
    correlation_id = f"trace-test-{secrets.token_hex(6)}"
    headers = {
        "apikey": GOLD_KEY,
        "Idempotency-Key": correlation_id,
        "Prefer": "respond-async",
        "X-Correlation-ID": correlation_id,
        "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
        "tracestate": CLIENT_TRACE_STATE,
    }
    body = {
        "purchaseOrderNumber": correlation_id,
        "lines": [{"sku": "MAT-0002", "quantity": "1"}, {"sku": "MAT-0003", "quantity": "1"}],
    }
    async with httpx.AsyncClient(base_url=gateway_url, timeout=60) as client:
        response = await client.post("/partner/v1/orders", json=body, headers=headers)
        assert response.status_code == 202, response.text
        order_id = response.json()["orderId"]

        async def completed() -> bool:
            answer = await client.get(
                f"/partner/v1/orders/{order_id}", headers={"apikey": GOLD_KEY}
            )
            assert answer.json()["status"] != "failed", answer.text
            return bool(answer.json()["status"] == "completed")

        await until(completed, what=f"order {order_id} completed", within_seconds=60)
    placed = PlacedOrder(order_id, correlation_id, trace_id, span_files)

    def whole_trace_written() -> bool:
        # Spans are written as they end, a parent after its children: the trace is whole once
        # every process on the path wrote its spans and they make one tree that holds the
        # worker's consumer span, the last to end on the path (before it is written, the
        # worker's calls to the System APIs may be, and their server spans would be roots).
        trace = build_trace(trace_id, placed.spans())
        consumed = any(span.kind == "consumer" for span in trace.walk_spans())
        return trace.services >= ORDER_PATH and len(trace.roots) == 1 and consumed

    try:
        await until(whole_trace_written, what="the order's trace", within_seconds=60)
    except AssertionError as error:
        roots = [
            f"{n.span.service}: {n.span.name}" for n in build_trace(trace_id, placed.spans()).roots
        ]
        raise AssertionError(f"{error}; its roots: {roots}") from error
    return placed


@pytest.fixture(scope="module")
def placed_order(suite: object, gateway: RunningService) -> PlacedOrder:
    span_files = traces_dir(gateway.log_path.parent)
    return asyncio.run(place_async_order(gateway.url, span_files))


class TestOrderTrace:
    def test_the_order_is_one_trace_through_every_tier(self, placed_order: PlacedOrder) -> None:
        spans = placed_order.spans()

        assert trace_ids_for(placed_order.order_id, spans) == [placed_order.trace_id]
        trace = build_trace(placed_order.trace_id, spans)
        assert trace.services >= ORDER_PATH
        # The client's span is the parent of the gateway's; every other span has its parent in
        # the trace, across processes and through the stream.
        [root] = trace.roots
        assert (root.span.service, root.span.kind) == ("gateway", "server")
        assert root.span.name == "POST partner-orders-create"
        assert all(span.trace_state == CLIENT_TRACE_STATE for span in trace.walk_spans())

    def test_spans_name_the_calls_queue_and_saga_steps(self, placed_order: PlacedOrder) -> None:
        spans = list(build_trace(placed_order.trace_id, placed_order.spans()).walk_spans())

        def calls_to(backend: str) -> set[str]:
            return {s.name for s in spans if s.attributes.get("trivium.backend") == backend}

        # The System APIs name each backend call by its operation.
        assert any(name.startswith("salesforce query ") for name in calls_to("salesforce"))
        assert "s4hana POST A_SalesOrder" in calls_to("s4hana")
        queue = {(s.service, s.kind, s.name) for s in spans if s.kind in ("producer", "consumer")}
        assert queue == {
            ("quote-to-order", "producer", "{quote-to-order}:work publish"),
            ("quote-to-order-worker", "consumer", "{quote-to-order}:work process"),
        }
        steps = {s.name for s in spans if s.attributes.get("trivium.saga") == "quote-to-order"}
        assert {"saga step check", "saga step erp_order", "saga step crm_order"} <= steps
        assert all(
            s.attributes["trivium.work_id"] == placed_order.order_id
            for s in spans
            if "trivium.saga" in s.attributes
        )


class TestTraceCommand:
    @pytest.mark.parametrize("by", ["order_id", "correlation_id", "trace_id"])
    def test_prints_the_orders_trace_as_json(self, placed_order: PlacedOrder, by: str) -> None:
        settings = CliSettings(traces_dir=placed_order.span_files)

        result = CliRunner().invoke(
            app, ["trace", getattr(placed_order, by), "--json"], obj=settings
        )

        assert result.exit_code == 0, result.output
        [trace] = json.loads(result.stdout)["traces"]
        assert trace["traceId"] == placed_order.trace_id
        assert set(trace["services"]) >= ORDER_PATH
        [root] = trace["spans"]
        assert root["service"] == "gateway"
        assert root["startOffsetMs"] == 0
        assert root["children"]

    def test_prints_a_waterfall(self, placed_order: PlacedOrder) -> None:
        settings = CliSettings(traces_dir=placed_order.span_files)

        result = CliRunner().invoke(app, ["trace", placed_order.order_id], obj=settings)

        assert result.exit_code == 0, result.output
        header, columns, first, *rest = result.stdout.splitlines()
        assert header.startswith(f"trace {placed_order.trace_id}")
        assert columns.split()[:5] == ["SERVICE", "OPERATION", "START", "DURATION", "STATUS"]
        assert first.startswith("gateway")
        assert "POST partner-orders-create" in first
        assert any("  s4hana POST A_SalesOrder" in line for line in rest)

    def test_an_unknown_id_is_an_error(self, placed_order: PlacedOrder) -> None:
        settings = CliSettings(traces_dir=placed_order.span_files)

        result = CliRunner().invoke(app, ["trace", "no-such-order"], obj=settings)

        assert result.exit_code == 1
        assert "no trace names 'no-such-order'" in result.output
