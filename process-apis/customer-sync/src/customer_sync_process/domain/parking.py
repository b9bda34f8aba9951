"""Records the sync could not apply are parked, so that one bad record never blocks the others.

Each record is applied on its own. A transient failure is tried again at once, with backoff,
a few times within a time budget; a permanent one (or a transient one past its budget) parks the
record: it is kept with the change that failed, the error, the attempts and when it was first
and last seen, and the loop goes on. One record is parked at most once (`crm-account:<id>`,
`erp-customer:<id>`, `erp-order:<id>`): a later change of it supersedes the parked one (the
record's current values are applied, together with the fields still waiting), and once it
applies the record is no longer parked. Operators list, retry (one or all) and discard parked
records; the leader carries out retries, and also tries records parked for a transient reason
again every few minutes by itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from customer_sync_process.domain.errors import ParkedNotFound
from customer_sync_process.domain.failures import Failure, classify, is_record_failure
from customer_sync_process.domain.flow import SyncFlow
from customer_sync_process.domain.models import FailureRead, ParkedRead
from trivium.problems import Problem
from trivium.write_batch import WriteBatch

log = logging.getLogger(__name__)

# Record type -> (id prefix, the loop that applies it).
RECORD_TYPES = {
    "account": ("crm-account", "cdc"),
    "customer": ("erp-customer", "erpPoll"),
    "salesOrder": ("erp-order", "erpPoll"),
}
PARKED_LOOPS = ("cdc", "erpPoll")
RETRY_REQUESTS = ("parked-retry",)


def parked_id(record_type: str, record_id: str) -> str:
    return f"{RECORD_TYPES[record_type][0]}:{record_id}"


def loop_of(item_id: str) -> str | None:
    """The loop whose record `item_id` names (None for an id no parked record can have)."""
    prefix = item_id.split(":", 1)[0]
    return next((loop for known, loop in RECORD_TYPES.values() if known == prefix), None)


def _hash(loop: str) -> tuple[str, str]:
    return ("parked", loop)


async def get_parked(flow: SyncFlow, item_id: str) -> ParkedRead | None:
    loop = loop_of(item_id)
    if loop is None:
        return None
    raw = await flow.state.get_field(_hash(loop), item_id)
    return None if raw is None else ParkedRead.model_validate_json(raw)


async def list_parked(flow: SyncFlow, *, loop: str | None = None) -> list[ParkedRead]:
    """Parked records, oldest first (by when each was first parked)."""
    items: list[ParkedRead] = []
    for name in [loop] if loop else PARKED_LOOPS:
        stored = await flow.state.get_hash(*_hash(name))
        items.extend(ParkedRead.model_validate_json(raw) for raw in stored.values())
    return sorted(items, key=lambda item: (item.first_seen_at, item.id))


async def parked_counts(flow: SyncFlow) -> dict[str, int]:
    counts = {loop: await flow.state.hash_length(*_hash(loop)) for loop in PARKED_LOOPS}
    for loop, count in counts.items():
        flow.metrics.parked(loop, count)
    return counts


def park(
    flow: SyncFlow,
    writes: WriteBatch,
    *,
    record_type: str,
    record_id: str,
    fields: Iterable[str],
    event: Mapping[str, Any],
    failure: Failure,
    previous: ParkedRead | None,
) -> ParkedRead:
    """Add the parked record (or its newer failure) to `writes`."""
    now = flow.clock()
    loop = RECORD_TYPES[record_type][1]
    item = ParkedRead(
        id=parked_id(record_type, record_id),
        loop=loop,
        record_type=record_type,
        record_id=record_id,
        fields=sorted(set(fields) | set(previous.fields if previous else ())),
        event=dict(event),
        error=FailureRead.model_validate(failure.as_dict()),
        attempts=(previous.attempts if previous else 0) + 1,
        first_seen_at=previous.first_seen_at if previous else now,
        last_seen_at=now,
    )
    writes.hset(flow.state.key(*_hash(loop)), {item.id: item.model_dump_json(by_alias=True)})
    writes.hdel(flow.state.key(*RETRY_REQUESTS), item.id)
    flow.count(writes, "parked")
    flow.metrics.parking(loop, "parked")
    log.warning(
        "sync.record_parked",
        extra={"record": item.id, "reason": failure.reason, "kind": failure.kind.value,
               "error": failure.detail, "attempts": item.attempts},
    )  # fmt: skip
    return item


def unpark(flow: SyncFlow, writes: WriteBatch, item: ParkedRead) -> None:
    """The parked record applied: it is no longer parked."""
    writes.hdel(flow.state.key(*_hash(item.loop)), item.id)
    writes.hdel(flow.state.key(*RETRY_REQUESTS), item.id)
    flow.count(writes, "unparked")
    flow.metrics.parking(item.loop, "applied")
    log.info("sync.record_unparked", extra={"record": item.id, "attempts": item.attempts})


async def apply_record(
    flow: SyncFlow,
    writes: WriteBatch,
    *,
    record_type: str,
    record_id: str,
    fields: Iterable[str],
    event: Mapping[str, Any],
    apply: Callable[[ParkedRead | None], Awaitable[object]],
    on_retry: Callable[[Failure], None] | None = None,
) -> bool:
    """Apply one record with `apply` (given the record's parked entry, if it has one): True
    when it applied, False when it was parked. Failures that are not the record's own (Redis,
    a lost lead) are raised."""
    previous = await get_parked(flow, parked_id(record_type, record_id))
    policy = flow.policy
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            await apply(previous)
        except Exception as error:
            if not is_record_failure(error):
                raise
            failure = classify(error)
            if not isinstance(error, Problem):
                # Data the flow could not map: the trace says where.
                log.warning("sync.record_unmappable", extra={"record": record_id}, exc_info=True)
            elapsed = time.monotonic() - started
            if (
                failure.transient
                and attempt < policy.record_attempts
                and (elapsed < policy.record_budget.total_seconds())
            ):
                if on_retry is not None:
                    on_retry(failure)
                await asyncio.sleep(policy.record_retry_seconds * 2 ** (attempt - 1))
                continue
            park(
                flow, writes, record_type=record_type, record_id=record_id, fields=fields,
                event=event, failure=failure, previous=previous,
            )  # fmt: skip
            return False
        if previous is not None:
            unpark(flow, writes, previous)
        return True


async def request_retry(flow: SyncFlow, item_ids: Iterable[str]) -> int:
    """Ask the leader to try these parked records again; how many were asked for."""
    now = flow.clock().isoformat()
    ids = list(item_ids)
    await flow.state.set_fields(RETRY_REQUESTS, dict.fromkeys(ids, now))
    return len(ids)


async def request_retry_of(flow: SyncFlow, item_id: str) -> ParkedRead:
    item = await get_parked(flow, item_id)
    if item is None:
        raise ParkedNotFound(f"No record {item_id!r} is parked.")
    await request_retry(flow, [item_id])
    return item.model_copy(update={"retry_requested_at": flow.clock()})


async def discard(flow: SyncFlow, item_id: str) -> None:
    """Drop a parked record that must not be applied (the next change of it applies anew)."""
    loop = loop_of(item_id)
    if loop is None or not await flow.state.remove_field(_hash(loop), item_id):
        raise ParkedNotFound(f"No record {item_id!r} is parked.")
    await flow.state.remove_field(RETRY_REQUESTS, item_id)
    flow.metrics.parking(loop, "discarded")
    log.info("sync.record_discarded", extra={"record": item_id})


async def due_for_retry(flow: SyncFlow) -> list[ParkedRead]:
    """Parked records to try again now: those an operator asked for, and those parked for a
    transient reason longer ago than the retry interval."""
    requested = await flow.state.get_hash(*RETRY_REQUESTS)
    due: list[ParkedRead] = []
    for item in await list_parked(flow):
        asked = item.id in requested
        stale = flow.clock() - item.last_seen_at >= flow.policy.parked_retry_interval
        if asked or (item.error.kind == "transient" and stale):
            due.append(item)
    for item_id in set(requested) - {item.id for item in due}:
        # Asked for a record that is no longer parked (applied or discarded meanwhile).
        await flow.state.remove_field(RETRY_REQUESTS, item_id)
    return due
