"""Bulk API 2.0 query jobs: run the SOQL once, serve the CSV in locator-addressed pages."""

from __future__ import annotations

import base64
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from salesforce_emulator.domain.bulk_csv import flatten, write_csv
from salesforce_emulator.domain.bulk_job import BulkJob
from salesforce_emulator.domain.context import utc_now
from salesforce_emulator.domain.org import Org
from salesforce_emulator.domain.values import format_datetime
from salesforce_emulator.soql import SoqlError, execute_soql, parse_soql
from salesforce_emulator.soql.nodes import FieldPath

log = logging.getLogger("salesforce_emulator.bulk")


@dataclass(kw_only=True)
class QueryJob(BulkJob):
    """One query job (operation `query` or `queryAll`) and its result rows."""

    query: str
    state: str = "UploadComplete"
    rows: list[list[str]] = field(default_factory=list)

    def progress(self) -> dict[str, Any]:
        return dict(
            jobType="V2Query", numberRecordsProcessed=len(self.rows), retries=0,
            totalProcessingTime=self.processing_ms, isPkChunkingSupported=True,
        )  # fmt: skip

    def page(self, locator: str | None, max_records: int | None) -> tuple[bytes, int, str]:
        """One page of results: CSV, its row count and the next locator (`null` at the end)."""
        offset = decode_locator(locator) if locator else 0
        size = max_records if max_records and max_records > 0 else len(self.rows)
        rows = self.rows[offset : offset + size]
        end = offset + len(rows)
        next_locator = encode_locator(end) if end < len(self.rows) else "null"
        csv = write_csv(
            self.header, rows, delimiter=self.column_delimiter, line_ending=self.line_ending
        )
        return csv, len(rows), next_locator


def encode_locator(offset: int) -> str:
    """An opaque locator for a row offset, shaped like Salesforce's (`MTAwMDA`)."""
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def decode_locator(locator: str) -> int:
    """The row offset of a locator; ValueError when it is not one of ours."""
    padded = locator + "=" * (-len(locator) % 4)
    try:
        return int(base64.b64decode(padded, validate=True).decode())
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"invalid locator {locator}") from error


def select_columns(soql: str) -> tuple[str, list[tuple[str, ...]]]:
    """The object and the column paths of a query Bulk API can run (no subqueries)."""
    select = parse_soql(soql)
    columns = []
    for item in select.items:
        if not isinstance(item, FieldPath):
            raise SoqlError(
                "FEATURENOTENABLED",
                "FeatureNotEnabled : Aggregate Relationships and aggregate functions are not "
                "supported in Bulk Query",
            )
        columns.append(
            item.parts[1:] if select.alias and item.parts[0] == select.alias else item.parts
        )
    return select.object_name, columns


def process_query(job: QueryJob, *, org: Org) -> None:
    """Run the job's query and keep its rows as CSV cells."""
    started = time.perf_counter()
    job.state = "InProgress"
    try:
        _, columns = select_columns(job.query)
        with org.store.reading() as conn:
            result = execute_soql(
                conn, org.catalog, job.query, api_version=job.api_version,
                include_deleted=job.operation == "queryAll",
            )  # fmt: skip
        job.header = [".".join(path) for path in columns]
        job.rows = [flatten(record, columns) for record in result.records]
        job.state = "Aborted" if job.abort_requested else "JobComplete"
    except SoqlError as error:
        job.state, job.error_message = "Failed", f"{error.error_code} : {error.message}"
    except Exception as error:  # a job never takes the worker down; it fails instead
        log.exception("bulk.query_failed", extra={"job_id": job.id})
        job.state, job.error_message = "Failed", f"InternalServerError : {error}"
    finally:
        job.processing_ms = int((time.perf_counter() - started) * 1000)
        job.system_modstamp = format_datetime(utc_now())
