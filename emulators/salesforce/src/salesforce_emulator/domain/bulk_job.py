"""What Bulk API 2.0 ingest and query jobs share: their record and the job info they report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(kw_only=True)
class BulkJob:
    """A job's record as both kinds keep it; each kind adds its own fields and counters."""

    id: str
    object: str
    operation: str
    user_id: str
    api_version: str
    created_date: str
    state: str
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"
    error_message: str | None = None
    system_modstamp: str = ""
    processing_ms: int = 0
    header: list[str] = field(default_factory=list)
    abort_requested: bool = False

    def info(self, *, full: bool) -> dict[str, Any]:
        """Job info as create/close (short) and GET (full) report it."""
        body: dict[str, Any] = {
            "id": self.id, "operation": self.operation, "object": self.object,
            "createdById": self.user_id, "createdDate": self.created_date,
            "systemModstamp": self.system_modstamp or self.created_date, "state": self.state,
            "concurrencyMode": "Parallel", "contentType": "CSV",
            "apiVersion": float(self.api_version), "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter, **self.details(),
        }  # fmt: skip
        if full:
            body.update(self.progress())
            if self.error_message:
                body["errorMessage"] = self.error_message
        return body

    def details(self) -> dict[str, Any]:
        """What the short info of this kind of job adds."""
        return {}

    def progress(self) -> dict[str, Any]:
        """What the full info of this kind of job adds: its type and counters."""
        return {}
