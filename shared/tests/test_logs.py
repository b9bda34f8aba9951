"""JSON-line logs carry the service, the event, key/value fields and the correlation id."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from trivium.correlation import correlation_id_var
from trivium.logs import JsonLineFormatter, TextFormatter, configure_logging


def make_record(message: str, **fields: object) -> logging.LogRecord:
    record = logging.makeLogRecord({"name": "orders", "levelname": "INFO", "msg": message})
    record.__dict__.update(fields)
    return record


class TestJsonLineFormatter:
    def test_line_has_event_fields_and_correlation(self) -> None:
        token = correlation_id_var.set("corr-9")
        span = NonRecordingSpan(
            SpanContext(int("a" * 32, 16), int("b" * 16, 16), False, TraceFlags(TraceFlags.SAMPLED))
        )
        try:
            with trace.use_span(span):
                line = JsonLineFormatter("quote-to-order").format(
                    make_record("order.created", order_id="O-1", attempts=2)
                )
        finally:
            correlation_id_var.reset(token)
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


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Puts back the root logger and the loggers configure_logging changes."""
    names = ("uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)


@pytest.mark.usefixtures("restored_logging")
class TestConfigureLogging:
    def test_uvicorn_logs_at_the_service_level_not_its_own(self) -> None:
        logging.getLogger("uvicorn.error").setLevel(logging.INFO)  # as uvicorn leaves it
        configure_logging(service="widgets", level="WARNING", log_format="text")
        assert not logging.getLogger("uvicorn.error").isEnabledFor(logging.INFO)
        assert logging.getLogger("uvicorn.error").isEnabledFor(logging.WARNING)

    def test_library_lines_per_call_stay_quiet_even_at_debug(self) -> None:
        configure_logging(service="widgets", level="DEBUG", log_format="text")
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
        assert not logging.getLogger("httpcore").isEnabledFor(logging.DEBUG)
        assert logging.getLogger("trivium.http_client").isEnabledFor(logging.DEBUG)
