"""Spans from a trace store's query API, against answers shaped as Tempo and Jaeger send them."""

from __future__ import annotations

import base64

import pytest
from pytest_httpx import HTTPXMock

from trivium_cli.trace_query import TraceQueryError, query_spans, spans_of_document

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
PARENT = "53995c3f42cd8ad8"
STORE = "http://tempo.example:3200"


def b64(hex_id: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_id)).decode()


def otlp_document(*, ids: str = "hex", key: str = "resourceSpans") -> dict[str, object]:
    """One span of quote-to-order, as OTLP JSON: ids in hex (OTLP/JSON) or base64 (Tempo)."""
    encode = (lambda value: value) if ids == "hex" else b64
    return {
        key: [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "q2o"}}]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": encode(TRACE),
                                "spanId": encode(SPAN),
                                "parentSpanId": encode(PARENT),
                                "name": "saga step check",
                                "kind": "SPAN_KIND_INTERNAL" if ids == "hex" else 1,
                                "startTimeUnixNano": "1000",
                                "endTimeUnixNano": "3000",
                                "status": {"code": 2, "message": "refused"},
                                "attributes": [
                                    {"key": "trivium.work_id", "value": {"stringValue": "O-1"}},
                                    {"key": "trivium.attempt", "value": {"intValue": "2"}},
                                ],
                            }
                        ]
                    }
                ],
            }
        ]
    }


class TestSpansOfDocument:
    @pytest.mark.parametrize(
        ("ids", "key"), [("hex", "resourceSpans"), ("base64", "batches")], ids=["otlp", "tempo"]
    )
    def test_reads_the_span(self, ids: str, key: str) -> None:
        [span] = spans_of_document(otlp_document(ids=ids, key=key))

        assert (span.trace_id, span.span_id, span.parent_span_id) == (TRACE, SPAN, PARENT)
        assert (span.service, span.name, span.kind) == ("q2o", "saga step check", "internal")
        assert (span.start_unix_nano, span.end_unix_nano) == (1000, 3000)
        assert (span.status, span.status_message) == ("error", "refused")
        assert span.attributes == {"trivium.work_id": "O-1", "trivium.attempt": 2}

    def test_jaegers_answer_wraps_it_in_result(self) -> None:
        [span] = spans_of_document({"result": otlp_document()})
        assert span.trace_id == TRACE


class TestQuerySpans:
    def test_a_trace_id_is_read_at_once(self, httpx_mock: HTTPXMock) -> None:
        httpx_mock.add_response(url=f"{STORE}/api/traces/{TRACE}", json=otlp_document())

        [span] = query_spans(STORE, TRACE.upper(), timeout=5)

        assert span.span_id == SPAN

    def test_jaegers_v3_api(self, httpx_mock: HTTPXMock) -> None:
        httpx_mock.add_response(
            url=f"http://jaeger:16686/api/v3/traces/{TRACE}", json={"result": otlp_document()}
        )

        assert len(query_spans("http://jaeger:16686/api/v3", TRACE, timeout=5)) == 1

    def test_an_order_id_is_searched_for_first(self, httpx_mock: HTTPXMock) -> None:
        httpx_mock.add_response(
            url=f"{STORE}/api/search?tags=trivium.work_id%3D%22O-1%22",
            json={"traces": [{"traceID": TRACE}]},
        )
        httpx_mock.add_response(
            url=f"{STORE}/api/search?tags=trivium.correlation_id%3D%22O-1%22", json={"traces": []}
        )
        httpx_mock.add_response(url=f"{STORE}/api/traces/{TRACE}", json=otlp_document(ids="b64"))

        [span] = query_spans(STORE, "O-1", timeout=5)

        assert span.attributes["trivium.work_id"] == "O-1"

    def test_an_unknown_trace_is_no_spans(self, httpx_mock: HTTPXMock) -> None:
        httpx_mock.add_response(url=f"{STORE}/api/traces/{TRACE}", status_code=404)

        assert query_spans(STORE, TRACE, timeout=5) == []

    def test_a_failing_store_is_an_error(self, httpx_mock: HTTPXMock) -> None:
        httpx_mock.add_response(url=f"{STORE}/api/traces/{TRACE}", status_code=500)

        with pytest.raises(TraceQueryError, match="answered 500"):
            query_spans(STORE, TRACE, timeout=5)
