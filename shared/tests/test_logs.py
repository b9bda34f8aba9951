"""JSON-line logs carry the service, the event, key/value fields and the correlation id."""

from __future__ import annotations

import json
import logging
import sys

from trivium.correlation import TraceContext, correlation_id_var, trace_context_var
from trivium.logs import JsonLineFormatter, TextFormatter


def make_record(message: str, **fields: object) -> logging.LogRecord:
    record = logging.makeLogRecord({"name": "orders", "levelname": "INFO", "msg": message})
    record.__dict__.update(fields)
    return record


class TestJsonLineFormatter:
    def test_line_has_event_fields_and_correlation(self) -> None:
        token = correlation_id_var.set("corr-9")
        trace_token = trace_context_var.set(TraceContext("a" * 32, "b" * 16))
        try:
            line = JsonLineFormatter("quote-to-order").format(
                make_record("order.created", order_id="O-1", attempts=2)
            )
        finally:
            correlation_id_var.reset(token)
            trace_context_var.reset(trace_token)
        parsed = json.loads(line)
        assert parsed["event"] == "order.created"
        assert parsed["service"] == "quote-to-order"
        assert parsed["correlation_id"] == "corr-9"
        assert parsed["trace_id"] == "a" * 32
        assert parsed["order_id"] == "O-1"
        assert parsed["attempts"] == 2
        assert "\n" not in line

    def test_exception_is_kept_in_one_line(self) -> None:
        try:
            raise ValueError("boom")
        except ValueError:
            record = logging.makeLogRecord(
                {"name": "x", "levelname": "ERROR", "msg": "failed", "exc_info": True}
            )
            record.exc_info = sys.exc_info()
        parsed = json.loads(JsonLineFormatter("svc").format(record))
        assert "ValueError: boom" in parsed["exception"]


class TestTextFormatter:
    def test_line_is_readable(self) -> None:
        text = TextFormatter().format(make_record("cache.miss", key="acct:1"))
        assert text.startswith("info")
        assert "cache.miss" in text
        assert "key=acct:1" in text
