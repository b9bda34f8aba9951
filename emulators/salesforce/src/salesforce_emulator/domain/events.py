"""Change Data Capture: one change event per record change, with replay ids, kept 72 hours."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.schema import ObjectDef
from salesforce_emulator.domain.values import decode_value

ALL_CHANGES_CHANNEL = "/data/ChangeEvents"
NEVER_IN_EVENTS = frozenset({"Id", "IsDeleted", "SystemModstamp"})
# Salesforce reports the changes of one transaction past this many by a GAP_OVERFLOW event.
OVERFLOW_THRESHOLD = 100_000
DECODED_TYPES = frozenset({"boolean", "double", "currency", "percent", "int"})


def entity_channel(entity: str) -> str:
    """`/data/AccountChangeEvent` for `Account` (custom `Foo__c` -> `/data/Foo__ChangeEvent`)."""
    base = entity[:-1] if entity.endswith("__c") else entity
    return f"/data/{base}ChangeEvent"


def schema_id(entity: str) -> str:
    """A stable schema id per entity, shaped like Salesforce's (22 url-safe characters)."""
    digest = hashlib.sha256(f"{entity}ChangeEvent".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A change event as kept in the log."""

    replay_id: int
    entity: str
    created_ms: int
    payload: dict[str, Any]

    def message(self, channel: str) -> dict[str, Any]:
        """The CometD message delivering this event on `channel`."""
        return {
            "channel": channel,
            "data": {
                "schema": schema_id(self.entity),
                "payload": self.payload,
                "event": {"replayId": self.replay_id},
            },
        }


@lru_cache(maxsize=64)
def event_layout(obj: ObjectDef) -> tuple[tuple[str, str, str | None, str | None], ...]:
    """(field, type, compound, key in compound) for each field a change event may carry."""
    layout = []
    for field in obj.fields:
        if field.name in NEVER_IN_EVENTS or field.calculated:
            continue
        compound = obj.compound_of(field.compound) if field.compound else None
        key = None
        if compound is not None:
            key = next(key for key, name in compound.event_keys.items() if name == field.name)
        layout.append((field.name, field.type, compound.name if compound else None, key))
    return tuple(layout)


def event_body(obj: ObjectDef, stored: Mapping[str, Any], *, skip_nulls: bool) -> dict[str, Any]:
    """Stored values as a change event carries them: JSON-typed, compound fields nested."""
    body: dict[str, Any] = {}
    for name, kind, compound, key in event_layout(obj):
        if name not in stored:
            continue
        value = stored[name]
        if value is None and skip_nulls:
            continue
        if value is not None and kind in DECODED_TYPES:
            value = decode_value(kind, value)
        if compound is None:
            body[name] = value
        else:
            body.setdefault(compound, {})[key] = value
    return body


def changed_field_names(obj: ObjectDef, names: Iterable[str]) -> list[str]:
    """`changedFields`: component fields named through their compound (`BillingAddress.City`)."""
    result = []
    for name in names:
        field = obj.field(name)
        if field is None or name in NEVER_IN_EVENTS or field.calculated:
            continue
        compound = obj.compound_of(field.compound) if field.compound else None
        if compound is None:
            result.append(name)
        else:
            key = next(key for key, item in compound.event_keys.items() if item == name)
            result.append(f"{compound.name}.{key}")
    return result


class ChangeEventLog:
    """Writes change events inside the writer's transaction and wakes subscribers on commit."""

    def __init__(
        self,
        *,
        retention_hours: float,
        entities: Iterable[str],
        overflow_threshold: int = OVERFLOW_THRESHOLD,
    ) -> None:
        self.retention_ms = int(retention_hours * 3_600_000)
        self.entities = frozenset(entities)
        self.overflow_threshold = overflow_threshold
        self._listeners: list[Callable[[], None]] = []
        self._commit_number = 0
        self._gaps_due = 0
        self._gaps_object: str | None = None
        self._record_gaps_due: dict[str, int] = {}
        self._lock = threading.Lock()

    def force_gaps(
        self, count: int, *, object_name: str | None = None, record_id: str | None = None
    ) -> None:
        """Publish the next `count` change events (of `object_name` only, when given) as gap
        events (header only), as Salesforce does when it cannot build an event (an internal
        error, a change made outside the app server). With `record_id`, the next `count`
        events of that record only, besides (not instead of) gaps due for the whole org."""
        with self._lock:
            if record_id is not None:
                if count > 0:
                    self._record_gaps_due[record_id] = count
                else:
                    self._record_gaps_due.pop(record_id, None)
                return
            self._gaps_due = count
            self._gaps_object = object_name

    def gaps_due(self, *, record_id: str | None = None) -> int:
        """Gap events still due for the whole org, or for one record."""
        if record_id is not None:
            return self._record_gaps_due.get(record_id, 0)
        return self._gaps_due

    def _take_gap(self, object_name: str, record_id: str) -> bool:
        with self._lock:
            due = self._record_gaps_due.get(record_id, 0)
            if due > 0:
                if due == 1:
                    del self._record_gaps_due[record_id]
                else:
                    self._record_gaps_due[record_id] = due - 1
                return True
            if self._gaps_due <= 0 or self._gaps_object not in (None, object_name):
                return False
            self._gaps_due -= 1
            return True

    def enabled_for(self, obj: ObjectDef) -> bool:
        return obj.name in self.entities

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener` (from any thread) after a transaction that wrote events commits."""
        self._listeners.append(listener)

    def notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    def _next_commit_number(self) -> int:
        with self._lock:
            self._commit_number += 1
            return self._commit_number

    def header(
        self,
        obj: ObjectDef,
        *,
        change_type: str,
        record_ids: Sequence[str],
        changed: Sequence[str],
        ctx: WriteContext,
        moment: datetime,
    ) -> dict[str, Any]:
        """A ChangeEventHeader as CometD delivers it."""
        return {
            "entityName": obj.name,
            "recordIds": list(record_ids),
            "changeType": change_type,
            "changeOrigin": ctx.origin,
            "transactionKey": ctx.transaction_key,
            "sequenceNumber": ctx.next_sequence(),
            "commitTimestamp": int(moment.timestamp() * 1000),
            "commitNumber": int(moment.timestamp() * 1000) * 1000 + self._next_commit_number(),
            "commitUser": ctx.user_id,
            "changedFields": changed_field_names(obj, changed),
            "nulledFields": [],
            "diffFields": [],
        }

    def record(
        self,
        conn: sqlite3.Connection,
        obj: ObjectDef,
        changes: Sequence[tuple[str, str, Mapping[str, Any], Sequence[str]]],
        *,
        ctx: WriteContext,
        on_commit: Callable[[Callable[[], None]], None],
    ) -> None:
        """Append events for `(record_id, change_type, stored values, changed names)` tuples."""
        if not changes or obj.name not in self.entities or not ctx.publish_events:
            return
        moment = ctx.now()
        created_ms = int(moment.timestamp() * 1000)
        rows = []
        overflow = changes[self.overflow_threshold :]
        for record_id, change_type, stored, changed in changes[: self.overflow_threshold]:
            if self._take_gap(obj.name, record_id):
                header = self.header(
                    obj, change_type=f"GAP_{change_type}", record_ids=[record_id], changed=(),
                    ctx=ctx, moment=moment,
                )  # fmt: skip
                payload: dict[str, Any] = {"ChangeEventHeader": header}
            else:
                skip_nulls = change_type in ("CREATE", "UNDELETE")
                header = self.header(
                    obj, change_type=change_type, record_ids=[record_id], changed=changed,
                    ctx=ctx, moment=moment,
                )  # fmt: skip
                payload = {
                    "ChangeEventHeader": header,
                    **event_body(obj, stored, skip_nulls=skip_nulls),
                }
            rows.append((obj.name, created_ms, json.dumps(payload, separators=(",", ":"))))
        if overflow:
            # One event for everything past the threshold, naming no records: subscribers
            # re-read what changed from the commit timestamp on.
            header = self.header(
                obj, change_type="GAP_OVERFLOW", record_ids=[], changed=(), ctx=ctx, moment=moment
            )
            payload = {"ChangeEventHeader": header}
            rows.append((obj.name, created_ms, json.dumps(payload, separators=(",", ":"))))
        conn.executemany(
            "INSERT INTO _sf_change_event (entity, created_ms, payload) VALUES (?, ?, ?)", rows
        )
        on_commit(self.notify)

    def read_after(
        self,
        conn: sqlite3.Connection,
        replay_id: int,
        *,
        entities: Iterable[str] | None,
        limit: int = 1000,
    ) -> list[StoredEvent]:
        """Events with a replay id above `replay_id`, oldest first (all entities when None)."""
        sql = (
            "SELECT replay_id, entity, created_ms, payload FROM _sf_change_event "
            "WHERE replay_id > ?"
        )
        params: list[Any] = [replay_id]
        if entities is not None:
            names = sorted(entities)
            sql += f" AND entity IN ({','.join('?' * len(names))})"
            params.extend(names)
        sql += " ORDER BY replay_id LIMIT ?"
        params.append(limit)
        return [
            StoredEvent(row[0], row[1], row[2], json.loads(row[3]))
            for row in conn.execute(sql, params)
        ]

    @staticmethod
    def latest_replay_id(conn: sqlite3.Connection) -> int:
        # The sequence survives purges, so "only new events" stays correct after a purge.
        row = conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = '_sf_change_event'"
        ).fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def latest_replay_id_of(conn: sqlite3.Connection, entity: str) -> int:
        """The replay id of the newest event of one object still held (0 when none)."""
        row = conn.execute(
            "SELECT replay_id FROM _sf_change_event WHERE entity = ? "
            "ORDER BY replay_id DESC LIMIT 1",
            (entity,),
        ).fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def oldest_replay_id(conn: sqlite3.Connection) -> int | None:
        row = conn.execute("SELECT MIN(replay_id) FROM _sf_change_event").fetchone()
        return int(row[0]) if row[0] is not None else None

    def purge(self, conn: sqlite3.Connection, *, now_ms: int) -> int:
        """Drop events past the retention window; returns how many."""
        cursor = conn.execute(
            "DELETE FROM _sf_change_event WHERE created_ms < ?", (now_ms - self.retention_ms,)
        )
        return cursor.rowcount
