"""Executable plans: parameterised SQL plus how to assemble Salesforce records from rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from salesforce_emulator.soql import nodes
from salesforce_emulator.soql.conditions import Params, Typed, category_of

Decoder: TypeAlias = Callable[[Any], Any] | None


def decoder_for(field_type: str) -> Decoder:
    """How a stored value becomes its JSON value (None: as stored)."""
    if field_type == "boolean":
        return bool
    if field_type in ("double", "currency", "percent"):
        return float
    if field_type in ("int", "long"):
        return int
    return None


def order_term(target: Typed, key: nodes.OrderKey) -> str:
    """One ORDER BY term with Salesforce's case-insensitive text order and NULLS placement."""
    term = target.sql
    if category_of(target.type) == "string":
        term += " COLLATE NOCASE"
    term += " DESC" if key.descending else " ASC"
    if key.nulls_first is not None:
        term += " NULLS FIRST" if key.nulls_first else " NULLS LAST"
    return term


@dataclass(frozen=True, slots=True)
class FieldSlot:
    index: int
    decode: Decoder


@dataclass(frozen=True, slots=True)
class ChildSlot:
    child: int  # index into RecordPlan.children


@dataclass
class ObjectShape:
    """How one object of a record (the queried one or a parent) is built from a result row."""

    object_name: str
    id_index: int
    entries: list[tuple[str, FieldSlot | ObjectShape | ChildSlot]] = field(default_factory=list)


@dataclass
class RecordPlan:
    """A record query. Its child subqueries run once each, for all parent ids at once."""

    object_name: str
    select_sql: str  # SELECT ... FROM ... (joins)
    where_sql: str  # " WHERE ..." or ""
    params: Params
    order_sql: str  # " ORDER BY ..." or ""
    limit: int | None
    offset: int | None
    shape: ObjectShape
    children: list[ChildPlan] = field(default_factory=list)
    foreign_key_sql: str | None = None  # child plans: lookup to the parent, filtered by id lists
    foreign_key_index: int | None = None


@dataclass
class ChildPlan:
    relationship: str
    plan: RecordPlan


@dataclass
class CountPlan:
    object_name: str
    sql: str
    params: Params


@dataclass
class AggregatePlan:
    object_name: str
    sql: str
    params: Params
    slots: list[tuple[str, FieldSlot]]


Plan: TypeAlias = RecordPlan | CountPlan | AggregatePlan
