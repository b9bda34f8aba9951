"""JSON-line logging (readable text locally) that carries the correlation id and trace id."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

from trivium.correlation import correlation_id_var
from trivium.tracing import current_trace_id

# uvicorn adds `color_message`, a duplicate of the message with terminal colours.
_STANDARD_RECORD_KEYS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "color_message",
}


def _context_fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    correlation_id = correlation_id_var.get()
    if correlation_id:
        fields["correlation_id"] = correlation_id
    trace_id = current_trace_id()
    if trace_id is not None:
        fields["trace_id"] = trace_id
    for key, value in vars(record).items():
        if key not in _STANDARD_RECORD_KEYS and not key.startswith("_"):
            fields[key] = value
    return fields


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event, context and key/value fields."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "event": record.getMessage(),
        }
        line.update(_context_fields(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """A readable single line for local development, with the same fields as the JSON form."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{key}={value}" for key, value in _context_fields(record).items())
        text = f"{record.levelname.lower():<7} {record.name}: {record.getMessage()} {fields}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text.rstrip()


def configure_logging(
    *, service: str, level: str = "INFO", log_format: Literal["json", "text"] = "json"
) -> None:
    """Send every log record (ours, uvicorn's, libraries') to stderr in one format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLineFormatter(service) if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
        # At the service's level, not at the one uvicorn's command line gave them.
        logger.setLevel(logging.NOTSET)
    # The request middleware logs each request with its route and correlation id, the outbound
    # client each call with its backend; httpx's own line per call and httpcore's trace of every
    # connection event would repeat them.
    for name in ("uvicorn.access", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
