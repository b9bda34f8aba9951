"""The gateway's spans, as Kong's opentelemetry plugin makes them: one server span per request
named after the kong.yml route, continuing the client's trace, and a client span around the
upstream call whose context the upstream gets."""

from __future__ import annotations

import secrets

import pytest

from trivium.span_files import SpanRecord, read_span_files
from trivium_testing.services import traces_dir
from trivium_testing.waiting import until

pytestmark = pytest.mark.asyncio


def spans_of(gateway: object, trace_id: str) -> list[SpanRecord]:
    files = read_span_files(traces_dir(gateway.service.log_path.parent))  # type: ignore[attr-defined]
    return [span for span in files.spans if span.trace_id == trace_id]


class TestRequestSpans:
    async def test_a_proxied_request_continues_the_clients_trace(self, gateway, proxy, api_keys):
        trace_id, client_span = secrets.token_hex(16), secrets.token_hex(8)
        headers = {
            "apikey": api_keys["gold"],
            "traceparent": f"00-{trace_id}-{client_span}-01",
            "tracestate": "client=7",
        }
        response = await proxy.get("/partner/v1/account", headers=headers)
        assert response.status_code == 200
        await until(lambda: len(spans_of(gateway, trace_id)) == 2, what="the gateway spans")

        server, upstream_call = sorted(
            spans_of(gateway, trace_id), key=lambda s: s.kind != "server"
        )
        assert (server.kind, server.name, server.parent_span_id) == (
            "server",
            "GET partner-api",
            client_span,
        )
        assert server.attributes["kong.route.name"] == "partner-api"
        assert server.attributes["kong.service.name"] == "partner-portal-experience"
        assert server.attributes["http.response.status_code"] == 200
        assert (upstream_call.kind, upstream_call.parent_span_id) == ("client", server.span_id)
        seen = response.json()["headers"]
        assert seen["traceparent"] == [f"00-{trace_id}-{upstream_call.span_id}-01"]
        assert seen["tracestate"] == ["client=7"]
        assert response.headers["traceparent"] == f"00-{trace_id}-{server.span_id}-01"

    async def test_a_refused_request_is_one_server_span(self, gateway, proxy):
        trace_id = secrets.token_hex(16)
        headers = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
        response = await proxy.get("/partner/v1/account", headers=headers)
        assert response.status_code == 401
        await until(lambda: spans_of(gateway, trace_id), what="the gateway's span")

        [server] = spans_of(gateway, trace_id)
        assert (server.kind, server.name) == ("server", "GET partner-api")
        assert server.attributes["http.response.status_code"] == 401
