"""Bulk upsert of products by ERP material, spending as few API calls as the volume allows.

Up to `bulk_threshold` rows go through sObject Collections (200 rows per call); above it, one
Bulk API 2.0 ingest job (create, upload, close, a few polls, two result downloads). Rows that fail
on a row lock are retried once in a serial follow-up (one collection call at a time, or a second,
smaller job); rows that fail validation are reported with their errors.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import time
from collections.abc import Sequence
from typing import Any

from salesforce_system.adapters.salesforce.mapping import pointer_for, product_fields
from salesforce_system.adapters.salesforce.rest import SalesforceRest
from salesforce_system.domain.errors import CrmTimeout, CrmUnavailable
from salesforce_system.domain.models import (
    ProductUpsert,
    ProductUpsertReportRead,
    ProductUpsertRow,
    RowError,
    UpsertMethod,
)

log = logging.getLogger(__name__)

COLLECTION_SIZE = 200
EXTERNAL_ID = "ERP_Material__c"
RETRYABLE_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"})
CSV_COLUMNS = (
    "ERP_Material__c", "Name", "ProductCode", "Description", "Family",
    "Available_Quantity__c", "IsActive", "ERP_List_Price__c",
)  # fmt: skip
MAX_POLL_INTERVAL_SECONDS = 5.0


class ProductUpserter:
    """Chooses collections or Bulk API 2.0 and reports the outcome of every row."""

    def __init__(
        self,
        *,
        rest: SalesforceRest,
        bulk_threshold: int,
        poll_seconds: float,
        timeout_seconds: float,
    ) -> None:
        self._rest = rest
        self._bulk_threshold = bulk_threshold
        self._poll_seconds = poll_seconds
        self._timeout_seconds = timeout_seconds

    async def upsert(self, products: Sequence[ProductUpsert]) -> ProductUpsertReportRead:
        """Upsert every product; the report lists the rows that did not make it."""
        rows = [product_fields(product) for product in products]
        method: UpsertMethod = "bulk" if len(rows) > self._bulk_threshold else "collections"
        run = self._bulk_upsert if method == "bulk" else self._collections_upsert
        outcomes = await run(rows)
        retryable = [row for row, error in _failures(outcomes) if error.retryable]
        retried = 0
        if retryable:
            log.info("salesforce.products.retrying_locked_rows", extra={"rows": len(retryable)})
            retry_outcomes = await run(retryable, serial=True)
            retried = sum(1 for outcome in retry_outcomes.values() if outcome.error is None)
            outcomes.update(retry_outcomes)
        failures = [outcome for outcome in outcomes.values() if outcome.error is not None]
        return ProductUpsertReportRead(
            method=method,
            total=len(rows),
            succeeded=len(rows) - len(failures),
            failed=len(failures),
            retried=retried,
            failures=failures,
        )

    async def _collections_upsert(
        self, rows: list[dict[str, Any]], *, serial: bool = False
    ) -> dict[str, ProductUpsertRow]:
        # Chunks go one after another either way: parallel chunks of one object lock each other.
        outcomes: dict[str, ProductUpsertRow] = {}
        for start in range(0, len(rows), COLLECTION_SIZE):
            chunk = rows[start : start + COLLECTION_SIZE]
            records = [{"attributes": {"type": "Product2"}, **row} for row in chunk]
            response = await self._rest.call(
                "PATCH",
                f"/composite/sobjects/Product2/{EXTERNAL_ID}",
                json={"allOrNone": False, "records": records},
                idempotent=True,
                what="product",
            )
            for row, result in zip(chunk, response.json(), strict=True):
                outcomes[row[EXTERNAL_ID]] = _collection_outcome(row[EXTERNAL_ID], result)
        return outcomes

    async def _bulk_upsert(
        self, rows: list[dict[str, Any]], *, serial: bool = False
    ) -> dict[str, ProductUpsertRow]:
        job = await self._rest.call(
            "POST",
            "/jobs/ingest",
            json={
                "object": "Product2",
                "operation": "upsert",
                "externalIdFieldName": EXTERNAL_ID,
                "contentType": "CSV",
                "columnDelimiter": "COMMA",
                "lineEnding": "LF",
            },
            what="bulk job",
        )
        job_id = job.json()["id"]
        await self._rest.call(
            "PUT",
            f"/jobs/ingest/{job_id}/batches",
            content=_to_csv(rows).encode(),
            headers={"Content-Type": "text/csv"},
            what="bulk job",
        )
        await self._rest.call(
            "PATCH", f"/jobs/ingest/{job_id}", json={"state": "UploadComplete"}, what="bulk job"
        )
        await self._wait_for_job(job_id)
        return await self._job_outcomes(job_id, rows)

    async def _wait_for_job(self, job_id: str) -> None:
        deadline = time.monotonic() + self._timeout_seconds
        interval = self._poll_seconds
        while time.monotonic() < deadline:
            await asyncio.sleep(interval)
            info = (await self._rest.call("GET", f"/jobs/ingest/{job_id}", idempotent=True)).json()
            state = info.get("state")
            if state == "JobComplete":
                return
            if state in ("Failed", "Aborted"):
                raise CrmUnavailable(
                    f"The CRM's bulk job ended {state}: {info.get('errorMessage')}"
                )
            interval = min(interval * 2, MAX_POLL_INTERVAL_SECONDS)
        raise CrmTimeout(f"The CRM's bulk job {job_id} did not finish in time.")

    async def _job_outcomes(
        self, job_id: str, rows: list[dict[str, Any]]
    ) -> dict[str, ProductUpsertRow]:
        succeeded = await self._rest.call(
            "GET", f"/jobs/ingest/{job_id}/successfulResults", idempotent=True
        )
        failed = await self._rest.call(
            "GET", f"/jobs/ingest/{job_id}/failedResults", idempotent=True
        )
        outcomes: dict[str, ProductUpsertRow] = {}
        for result in csv.DictReader(io.StringIO(succeeded.text)):
            sku = result[EXTERNAL_ID]
            outcomes[sku] = ProductUpsertRow(
                sku=sku, id=result["sf__Id"], created=result["sf__Created"] == "true"
            )
        for result in csv.DictReader(io.StringIO(failed.text)):
            sku = result[EXTERNAL_ID]
            outcomes[sku] = ProductUpsertRow(sku=sku, error=_bulk_error(result["sf__Error"]))
        for row in rows:
            outcomes.setdefault(
                row[EXTERNAL_ID],
                ProductUpsertRow(
                    sku=row[EXTERNAL_ID],
                    error=RowError(
                        code="NOT_PROCESSED", message="Row not processed.", retryable=True
                    ),
                ),
            )
        return outcomes


def _failures(
    outcomes: dict[str, ProductUpsertRow],
) -> list[tuple[dict[str, Any], RowError]]:
    return [
        ({EXTERNAL_ID: sku}, outcome.error)
        for sku, outcome in outcomes.items()
        if outcome.error is not None
    ]


def _collection_outcome(sku: str, result: dict[str, Any]) -> ProductUpsertRow:
    if result.get("success"):
        return ProductUpsertRow(sku=sku, id=result.get("id"), created=result.get("created"))
    errors = result.get("errors") or [{}]
    first = errors[0]
    code = str(first.get("statusCode") or "UNKNOWN_EXCEPTION")
    return ProductUpsertRow(
        sku=sku,
        error=RowError(
            code=code,
            message=str(first.get("message") or code),
            fields=[pointer_for(str(field)) for field in first.get("fields") or []],
            retryable=code in RETRYABLE_CODES,
        ),
    )


def _bulk_error(text: str) -> RowError:
    """`CODE:message:fields --` as Bulk API 2.0 writes it into `sf__Error`."""
    code, _, rest = text.partition(":")
    message, _, fields = rest.rpartition(":")
    field_names = [name.strip() for name in fields.replace("--", "").split(",") if name.strip()]
    return RowError(
        code=code or "UNKNOWN_EXCEPTION",
        message=(message or rest).strip() or code,
        fields=[pointer_for(name) for name in field_names],
        retryable=code in RETRYABLE_CODES,
    )


def _to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: _csv_value(row.get(column)) for column in CSV_COLUMNS})
    return buffer.getvalue()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
