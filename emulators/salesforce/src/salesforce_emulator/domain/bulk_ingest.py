"""Bulk API 2.0 ingest jobs: the job record and its processing, batch by batch."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from salesforce_emulator.domain.bulk_csv import read_csv, row_values, write_csv
from salesforce_emulator.domain.bulk_job import BulkJob
from salesforce_emulator.domain.context import WriteContext, change_origin
from salesforce_emulator.domain.deletion import delete_records
from salesforce_emulator.domain.dml import (
    RecordResult,
    insert_records,
    update_records,
    upsert_records,
)
from salesforce_emulator.domain.limits import ApiLimits
from salesforce_emulator.domain.org import Org
from salesforce_emulator.domain.schema import ObjectDef
from salesforce_emulator.domain.store import quote_name
from salesforce_emulator.domain.values import format_datetime

log = logging.getLogger("salesforce_emulator.bulk")
OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")


@dataclass(kw_only=True)
class IngestJob(BulkJob):
    """One ingest job and everything its results need."""

    state: str = "Open"
    external_id_field: str | None = None
    client: str | None = None
    data: bytes | None = None
    processed: int = 0
    failed: int = 0
    successful: list[list[str]] = field(default_factory=list)
    failures: list[list[str]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)

    def details(self) -> dict[str, Any]:
        return {
            "externalIdFieldName": self.external_id_field,
            "contentUrl": f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches",
        }

    def progress(self) -> dict[str, Any]:
        return dict(
            jobType="V2Ingest", numberRecordsProcessed=self.processed,
            numberRecordsFailed=self.failed, retries=0,
            totalProcessingTime=self.processing_ms, apiActiveProcessingTime=self.processing_ms,
            apexProcessingTime=0,
        )  # fmt: skip

    def results_csv(self, kind: str) -> bytes:
        """successfulResults, failedResults or unprocessedrecords as CSV."""
        if kind == "successful":
            header, rows = ["sf__Id", "sf__Created", *self.header], self.successful
        elif kind == "failed":
            header, rows = ["sf__Id", "sf__Error", *self.header], self.failures
        else:
            header, rows = list(self.header), self.unprocessed
        return write_csv(
            header, rows, delimiter=self.column_delimiter, line_ending=self.line_ending
        )


def error_cell(result: RecordResult) -> str:
    """`CODE:message:fields --`, as `sf__Error` shows a row's failure."""
    item = result.errors[0]
    return f"{item.error_code}:{item.message}:{','.join(item.fields or ())} --"


def check_header(obj: ObjectDef, job: IngestJob, header: Sequence[str]) -> str | None:
    """Why the columns can't be loaded, or None."""
    if job.operation in ("delete", "hardDelete"):
        return (
            None
            if [name.lower() for name in header] == ["id"]
            else ("InvalidBatch : The 'delete' batch must contain only ids")
        )
    for name in header:
        relationship, dot, _ = name.partition(".")
        known = obj.relationship(relationship) if dot else obj.field(name)
        if known is None:
            return f"InvalidBatch : Field name not found : {name}"
    if job.operation == "update" and "id" not in [name.lower() for name in header]:
        return "InvalidBatch : Id column is required for update"
    ext = job.external_id_field
    if job.operation == "upsert" and ext and ext.lower() not in [name.lower() for name in header]:
        return f"InvalidBatch : Field name provided, {ext} is not in the file"
    return None


def _write_batch(
    conn: sqlite3.Connection,
    org: Org,
    obj: ObjectDef,
    job: IngestJob,
    bodies: list[dict[str, Any]],
    ctx: WriteContext,
) -> list[RecordResult]:
    if job.operation == "insert":
        return insert_records(conn, org, obj, bodies, ctx)
    if job.operation == "upsert":
        ext_field = obj.field(job.external_id_field or "Id")
        assert ext_field is not None
        return upsert_records(conn, org, obj, ext_field, bodies, ctx)
    ids = [str(next((v for k, v in body.items() if k.lower() == "id"), "")) for body in bodies]
    if job.operation == "update":
        return update_records(conn, org, obj, list(zip(ids, bodies, strict=True)), ctx)
    results = delete_records(conn, org, ids, ctx)
    if job.operation == "hardDelete":
        purged = [(result.id,) for result in results if result.success]
        conn.executemany(f'DELETE FROM {quote_name(obj.name)} WHERE "Id" = ?', purged)
    return results


def process_ingest(job: IngestJob, *, org: Org, limits: ApiLimits, batch_size: int) -> None:
    """Load the job's rows in batches; every row ends up successful, failed or unprocessed."""
    started = time.perf_counter()
    job.state = "InProgress"
    try:
        _process(job, org=org, limits=limits, batch_size=batch_size)
    except Exception as error:  # a job never takes the worker down; it fails instead
        log.exception("bulk.ingest_failed", extra={"job_id": job.id})
        job.state, job.error_message = "Failed", f"InternalServerError : {error}"
    finally:
        job.processing_ms = int((time.perf_counter() - started) * 1000)
        job.system_modstamp = format_datetime(WriteContext(job.user_id, "").now())
        job.data = None


def _process(job: IngestJob, *, org: Org, limits: ApiLimits, batch_size: int) -> None:
    obj = org.object_or_raise(job.object)
    try:
        header, rows = read_csv(job.data or b"", delimiter=job.column_delimiter)
    except (ValueError, UnicodeDecodeError) as error:
        job.state, job.error_message = "Failed", str(error)
        return
    job.header = header
    problem = check_header(obj, job, header)
    if problem:
        job.state, job.error_message, job.unprocessed = "Failed", problem, rows
        return
    origin = change_origin(api="bulkapi", api_version=job.api_version, client=job.client)
    for start in range(0, len(rows), batch_size):
        if job.abort_requested:
            job.unprocessed = rows[start:]
            job.state = "Aborted"
            return
        chunk = rows[start : start + batch_size]
        bodies = [row_values(header, row) for row in chunk]
        ctx = WriteContext(job.user_id, origin)
        with org.store.transaction() as conn:
            results = _write_batch(conn, org, obj, job, bodies, ctx)
        limits.consume(limits.bulk_batches)
        for row, result in zip(chunk, results, strict=True):
            if result.success:
                job.successful.append(
                    [result.id or "", "true" if result.created else "false", *row]
                )
            else:
                job.failures.append([result.id or "", error_cell(result), *row])
                job.failed += 1
            job.processed += 1
    job.state = "JobComplete"
