"""Run compiled plans on SQLite and assemble records in Salesforce's JSON shape."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from salesforce_emulator.soql.catalog import Catalog
from salesforce_emulator.soql.compiler import compile_query
from salesforce_emulator.soql.parser import parse_soql
from salesforce_emulator.soql.plans import (
    AggregatePlan,
    ChildSlot,
    CountPlan,
    FieldSlot,
    ObjectShape,
    RecordPlan,
)

_MAX_IDS_PER_CHUNK = 10_000
_AGGREGATE_ATTRIBUTES = {"type": "AggregateResult"}


@dataclass
class QueryResult:
    """The whole result of one query; the HTTP layer pages `records` into batches."""

    object_name: str
    records: list[dict[str, Any]]
    total_size: int  # for COUNT() queries the count, with records == []


def execute_soql(
    conn: sqlite3.Connection,
    catalog: Catalog,
    soql: str,
    *,
    api_version: str,
    include_deleted: bool = False,
    now: dt.datetime | None = None,
) -> QueryResult:
    """Run one SOQL query (queryAll when include_deleted); raises SoqlError for bad queries."""
    moment = now or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    plan = compile_query(
        parse_soql(soql),
        catalog=catalog,
        text=soql,
        include_deleted=include_deleted,
        today=moment.astimezone(dt.UTC).date(),
    )
    if isinstance(plan, CountPlan):
        (count,) = conn.execute(plan.sql, plan.params).fetchone()
        return QueryResult(plan.object_name, [], int(count))
    if isinstance(plan, AggregatePlan):
        records = [_aggregate_record(plan, row) for row in conn.execute(plan.sql, plan.params)]
        return QueryResult(plan.object_name, records, len(records))
    url_prefix = f"/services/data/v{api_version.removeprefix('v')}/sobjects/"
    records = _run_records(conn, plan, url_prefix)
    return QueryResult(plan.object_name, records, len(records))


def _aggregate_record(plan: AggregatePlan, row: Sequence[Any]) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": dict(_AGGREGATE_ATTRIBUTES)}
    for key, slot in plan.slots:
        value = row[slot.index]
        record[key] = value if value is None or slot.decode is None else slot.decode(value)
    return record


def _run_records(
    conn: sqlite3.Connection, plan: RecordPlan, url_prefix: str
) -> list[dict[str, Any]]:
    sql = plan.select_sql + plan.where_sql + plan.order_sql
    params = list(plan.params)
    if plan.limit is not None or plan.offset:
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if plan.limit is None else plan.limit, plan.offset or 0]
    rows = conn.execute(sql, params).fetchall()
    builder = _RecordBuilder(url_prefix, _run_children(conn, plan, rows, url_prefix))
    return [builder.build(plan.shape, row) for row in rows]


def _run_children(
    conn: sqlite3.Connection, plan: RecordPlan, parent_rows: list[Any], url_prefix: str
) -> list[dict[str, dict[str, Any]]]:
    """For each child subquery of `plan`: parent id -> nested query result."""
    if not plan.children:
        return []
    parent_ids = [row[plan.shape.id_index] for row in parent_rows]
    return [_run_child(conn, child.plan, parent_ids, url_prefix) for child in plan.children]


def _run_child(
    conn: sqlite3.Connection, plan: RecordPlan, parent_ids: list[str], url_prefix: str
) -> dict[str, dict[str, Any]]:
    by_parent: dict[str, list[Any]] = {}
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - len(plan.params) - 1
    chunk = max(1, min(limit, _MAX_IDS_PER_CHUNK))
    glue = " AND " if plan.where_sql else " WHERE "
    for start in range(0, len(parent_ids), chunk):
        ids = parent_ids[start : start + chunk]
        marks = ", ".join("?" * len(ids))
        sql = (
            f"{plan.select_sql}{plan.where_sql}{glue}{plan.foreign_key_sql} IN ({marks})"
            f"{plan.order_sql}"
        )
        for row in conn.execute(sql, [*plan.params, *ids]):
            by_parent.setdefault(row[plan.foreign_key_index], []).append(row)
    # LIMIT and OFFSET of a relationship subquery apply per parent record.
    first = plan.offset or 0
    last = None if plan.limit is None else first + plan.limit
    kept = {parent: rows[first:last] for parent, rows in by_parent.items()}
    all_rows = [row for rows in kept.values() for row in rows]
    builder = _RecordBuilder(url_prefix, _run_children(conn, plan, all_rows, url_prefix))
    return {
        parent: {
            "totalSize": len(rows),
            "done": True,
            "records": [builder.build(plan.shape, row) for row in rows],
        }
        for parent, rows in kept.items()
        if rows
    }


class _RecordBuilder:
    """Turns flat rows into nested records: parents as objects, children as query results."""

    def __init__(self, url_prefix: str, children: list[dict[str, dict[str, Any]]]) -> None:
        self._url_prefix = url_prefix
        self._children = children

    def build(self, shape: ObjectShape, row: Sequence[Any]) -> dict[str, Any]:
        record_id = row[shape.id_index]
        url = f"{self._url_prefix}{shape.object_name}/{record_id}"
        record: dict[str, Any] = {"attributes": {"type": shape.object_name, "url": url}}
        for key, slot in shape.entries:
            if isinstance(slot, FieldSlot):
                value = row[slot.index]
                if value is not None and slot.decode is not None:
                    value = slot.decode(value)
                record[key] = value
            elif isinstance(slot, ChildSlot):
                record[key] = self._children[slot.child].get(record_id)
            elif row[slot.id_index] is None:  # empty lookup, or one to a missing record
                record[key] = None
            else:
                record[key] = self.build(slot, row)
        return record
