"""Bulk API 2.0: ingest jobs (CSV upload, close, results) and query jobs (paged CSV results)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from salesforce_emulator.api.deps import CallDep
from salesforce_emulator.api.responses import SALESFORCE_JSON, json_body
from salesforce_emulator.domain.bulk import TERMINAL, invalid_state
from salesforce_emulator.domain.bulk_csv import DELIMITERS, LINE_ENDINGS
from salesforce_emulator.domain.bulk_ingest import OPERATIONS, IngestJob
from salesforce_emulator.domain.bulk_query import QueryJob, decode_locator, select_columns
from salesforce_emulator.domain.errors import SalesforceError, api_error
from salesforce_emulator.domain.values import format_datetime
from salesforce_emulator.rest.context import CallContext, expect_object
from salesforce_emulator.soql import SoqlError

router = APIRouter(tags=["bulk2"])
JOBS = "/services/data/v{version}/jobs"
CSV = "text/csv"


def invalid_job(message: str) -> SalesforceError:
    return api_error(400, "INVALIDJOB", message)


def _json(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=SALESFORCE_JSON)


def _format(payload: dict[str, Any]) -> tuple[str, str]:
    delimiter = str(payload.get("columnDelimiter") or "COMMA")
    line_ending = str(payload.get("lineEnding") or "LF")
    if delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
        raise invalid_job(
            f"InvalidJob : Invalid columnDelimiter or lineEnding: {delimiter}, {line_ending}"
        )
    if str(payload.get("contentType") or "CSV") != "CSV":
        raise invalid_job("InvalidJob : Only the CSV content type is supported")
    return delimiter, line_ending


def _now(call: CallContext) -> str:
    return format_datetime(call.write.now())


@router.post(JOBS + "/ingest")
async def create_ingest_job(call: CallDep, request: Request) -> JSONResponse:
    """Create an ingest job in state `Open`, waiting for its CSV."""
    payload = expect_object(await json_body(request), "JobInfo")
    operation = payload.get("operation")
    if operation not in OPERATIONS:
        raise invalid_job(f"InvalidJob : Invalid operation: {operation}")
    obj = call.emulator.org.catalog.object(str(payload.get("object") or ""))
    if obj is None:
        raise invalid_job(f"InvalidJob : Invalid object: {payload.get('object')}")
    external_id = payload.get("externalIdFieldName")
    if operation == "upsert":
        field = obj.field(str(external_id or ""))
        if field is None or not (field.external_id or field.name == "Id"):
            raise invalid_job(
                f"InvalidJob : External ID was blank or not an External ID field for {obj.name}: "
                f"{external_id}"
            )
        external_id = field.name
    delimiter, line_ending = _format(payload)
    job = IngestJob(
        id=call.emulator.bulk.new_id(), object=obj.name, operation=operation,
        user_id=call.session.user.id, api_version=call.version, created_date=_now(call),
        external_id_field=external_id if operation == "upsert" else None,
        column_delimiter=delimiter, line_ending=line_ending, client=call.client,
    )  # fmt: skip
    call.emulator.bulk.add(job)
    return _json(job.info(full=False))


@router.get(JOBS + "/ingest")
async def list_ingest_jobs(call: CallDep) -> JSONResponse:
    """Every ingest job of this org."""
    jobs = call.emulator.bulk.list(IngestJob)
    return _json(
        {"done": True, "records": [job.info(full=False) for job in jobs], "nextRecordsUrl": None}
    )


@router.put(JOBS + "/ingest/{job_id}/batches")
async def upload_job_data(call: CallDep, job_id: str, request: Request) -> Response:
    """Upload the job's CSV (once): 201."""
    job: IngestJob = call.emulator.bulk.get(job_id, IngestJob)
    if job.state != "Open":
        raise invalid_state(f"Job {job.id} is not open for uploads (state {job.state})")
    if job.data is not None:
        raise invalid_state(
            f"Found multiple contents for job: <{job.id}>, please 'Close' / 'Abort' / 'Delete' "
            "the current Job then create a new Job and make sure you only do 'PUT' once on a "
            "given Job."
        )
    job.data = await request.body()
    return Response(status_code=201)


@router.patch(JOBS + "/ingest/{job_id}")
async def change_ingest_job(call: CallDep, job_id: str, request: Request) -> JSONResponse:
    """Close (`UploadComplete`, starts processing) or abort a job."""
    job: IngestJob = call.emulator.bulk.get(job_id, IngestJob)
    state = expect_object(await json_body(request), "JobInfo").get("state")
    job.system_modstamp = _now(call)
    if state == "UploadComplete":
        if job.state != "Open":
            raise invalid_state(f"Job {job.id} can't be closed in state {job.state}")
        job.state = "UploadComplete"
        answer = job.info(full=False)  # the worker may move on before this response is sent
        if not job.data:
            job.state, job.error_message = "Failed", "InvalidBatch : No content was uploaded"
        else:
            call.emulator.bulk.submit_ingest(job)
        return _json(answer)
    if state == "Aborted":
        if job.state in TERMINAL:
            raise invalid_state(f"Job {job.id} can't be aborted in state {job.state}")
        job.abort_requested = True
        if job.state in ("Open", "UploadComplete"):
            job.state = "Aborted"
    else:
        raise invalid_state(f"Invalid state change to {state}")
    return _json(job.info(full=False))


@router.get(JOBS + "/ingest/{job_id}")
async def get_ingest_job(call: CallDep, job_id: str) -> JSONResponse:
    """Job info with progress counters."""
    job: IngestJob = call.emulator.bulk.get(job_id, IngestJob)
    return _json(job.info(full=True))


@router.delete(JOBS + "/ingest/{job_id}")
async def delete_ingest_job(call: CallDep, job_id: str) -> Response:
    """Delete a finished job: 204."""
    call.emulator.bulk.remove(call.emulator.bulk.get(job_id, IngestJob))
    return Response(status_code=204)


@router.get(JOBS + "/ingest/{job_id}/{results}")
async def ingest_results(call: CallDep, job_id: str, results: str) -> Response:
    """successfulResults, failedResults or unprocessedrecords (any case) as CSV."""
    job: IngestJob = call.emulator.bulk.get(job_id, IngestJob)
    kinds = {
        "successfulresults": "successful",
        "failedresults": "failed",
        "unprocessedrecords": "unprocessed",
    }
    kind = kinds.get(results.lower())
    if kind is None:
        raise api_error(404, "NOT_FOUND", "The requested resource does not exist")
    if kind != "unprocessed" and job.state not in TERMINAL:
        raise invalid_state(f"Job {job.id} has no results yet (state {job.state})")
    return Response(job.results_csv(kind), media_type=CSV)


@router.post(JOBS + "/query")
async def create_query_job(call: CallDep, request: Request) -> JSONResponse:
    """Create a query job; it runs at once and reports `UploadComplete` until done."""
    payload = expect_object(await json_body(request), "QueryJobInfo")
    operation = payload.get("operation")
    if operation not in ("query", "queryAll"):
        raise invalid_job(f"InvalidJob : Invalid operation: {operation}")
    soql = str(payload.get("query") or "")
    try:
        object_name, _ = select_columns(soql)
    except SoqlError as error:
        raise api_error(400, error.error_code, error.message, fields=None) from error
    obj = call.emulator.org.catalog.object(object_name)
    delimiter, line_ending = _format(payload)
    job = QueryJob(
        id=call.emulator.bulk.new_id(), operation=operation, query=soql,
        object=obj.name if obj else object_name, user_id=call.session.user.id,
        api_version=call.version, created_date=_now(call), column_delimiter=delimiter,
        line_ending=line_ending,
    )  # fmt: skip
    call.emulator.bulk.add(job)
    call.emulator.limits.consume(call.emulator.limits.bulk_query_jobs)
    answer = job.info(full=False)  # the worker may move on before this response is sent
    call.emulator.bulk.submit_query(job)
    return _json(answer)


@router.get(JOBS + "/query")
async def list_query_jobs(call: CallDep) -> JSONResponse:
    """Every query job of this org."""
    jobs = call.emulator.bulk.list(QueryJob)
    return _json(
        {"done": True, "records": [job.info(full=False) for job in jobs], "nextRecordsUrl": None}
    )


@router.get(JOBS + "/query/{job_id}")
async def get_query_job(call: CallDep, job_id: str) -> JSONResponse:
    """Query job info."""
    job: QueryJob = call.emulator.bulk.get(job_id, QueryJob)
    return _json(job.info(full=True))


@router.patch(JOBS + "/query/{job_id}")
async def abort_query_job(call: CallDep, job_id: str, request: Request) -> JSONResponse:
    """Abort a query job."""
    job: QueryJob = call.emulator.bulk.get(job_id, QueryJob)
    if expect_object(await json_body(request), "JobInfo").get("state") != "Aborted":
        raise invalid_state("Query jobs can only be aborted")
    if job.state in TERMINAL:
        raise invalid_state(f"Job {job.id} can't be aborted in state {job.state}")
    job.abort_requested = True
    job.state = "Aborted"
    return _json(job.info(full=False))


@router.delete(JOBS + "/query/{job_id}")
async def delete_query_job(call: CallDep, job_id: str) -> Response:
    """Delete a finished query job: 204."""
    call.emulator.bulk.remove(call.emulator.bulk.get(job_id, QueryJob))
    return Response(status_code=204)


@router.get(JOBS + "/query/{job_id}/results")
async def query_results(
    call: CallDep,
    job_id: str,
    locator: str | None = None,
    max_records: Annotated[int | None, Query(alias="maxRecords")] = None,
) -> Response:
    """One page of CSV; `Sforce-Locator` names the next (`null` on the last page)."""
    job: QueryJob = call.emulator.bulk.get(job_id, QueryJob)
    if job.state != "JobComplete":
        raise invalid_state(f"Job {job.id} has no results (state {job.state})")
    try:
        if locator:
            decode_locator(locator)
    except ValueError as error:
        raise api_error(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from error
    body, count, next_locator = job.page(locator, max_records)
    headers = {"Sforce-Locator": next_locator, "Sforce-NumberOfRecords": str(count)}
    return Response(body, media_type=CSV, headers=headers)
