"""Bulk API 2.0 jobs: ingest (CSV in, per-row results out) and query (SOQL to paged CSV).

Jobs live in this process; a single worker thread processes them in internal batches of
`batch_size` rows, each batch one transaction, like Salesforce's internal 10,000-row batches.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from salesforce_emulator.domain.bulk_ingest import IngestJob, process_ingest
from salesforce_emulator.domain.bulk_query import QueryJob, process_query
from salesforce_emulator.domain.errors import SalesforceError, api_error, not_found
from salesforce_emulator.domain.ids import IdAllocator, normalize_id
from salesforce_emulator.domain.limits import ApiLimits
from salesforce_emulator.domain.org import Org

JOB_PREFIX = "750"
TERMINAL = frozenset({"JobComplete", "Failed", "Aborted"})


def invalid_state(message: str) -> SalesforceError:
    return api_error(400, "INVALIDJOBSTATE", message)


@dataclass
class BulkJobs:
    """The jobs of this process and the worker that runs them."""

    org: Org
    limits: ApiLimits
    batch_size: int
    _jobs: dict[str, IngestJob | QueryJob] = field(default_factory=dict)
    _ids: IdAllocator = field(default_factory=IdAllocator)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _executor: ThreadPoolExecutor | None = None
    _futures: list[Future[None]] = field(default_factory=list)

    def new_id(self) -> str:
        return self._ids.new_id(JOB_PREFIX)

    def add(self, job: IngestJob | QueryJob) -> None:
        with self._lock:
            self._jobs[job.id] = job

    def get(self, job_id: str, kind: type[IngestJob] | type[QueryJob]) -> Any:
        """The job of this kind, or 404 NOT_FOUND."""
        canonical = normalize_id(job_id)
        with self._lock:
            job = self._jobs.get(canonical) if canonical else None
        if not isinstance(job, kind):
            raise not_found()
        return job

    def list(self, kind: type[IngestJob] | type[QueryJob]) -> list[Any]:
        with self._lock:
            return [job for job in self._jobs.values() if isinstance(job, kind)]

    def remove(self, job: IngestJob | QueryJob) -> None:
        if job.state not in TERMINAL | {"UploadComplete"}:
            raise invalid_state(f"Job {job.id} can't be deleted in state {job.state}")
        with self._lock:
            self._jobs.pop(job.id, None)

    def submit_ingest(self, job: IngestJob) -> None:
        self._submit(
            lambda: process_ingest(
                job, org=self.org, limits=self.limits, batch_size=self.batch_size
            )
        )

    def submit_query(self, job: QueryJob) -> None:
        self._submit(lambda: process_query(job, org=self.org))

    def _submit(self, work: Any) -> None:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-job")
            self._futures = [future for future in self._futures if not future.done()]
            self._futures.append(self._executor.submit(work))

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until every submitted job has been processed (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        for future in list(self._futures):
            future.result(timeout=max(deadline - time.monotonic(), 0.01))

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()

    def shutdown(self) -> None:
        for job in self.list(IngestJob) + self.list(QueryJob):
            job.abort_requested = True
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
