"""WHERE and HAVING conditions -> parameterised SQL with SOQL's typing and null semantics.

SOQL logic is two-valued: `Industry != 'Tech'` and `NOT (Industry = 'Tech')` both match rows
whose Industry is null. SQL's NULL would drop those rows, so negations and `!=` are written so
that an unknown comparison counts as false before it is negated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from salesforce_emulator.soql import nodes
from salesforce_emulator.soql.dates import resolve_date_literal
from salesforce_emulator.soql.errors import (
    INVALID_FIELD,
    INVALID_QUERY_FILTER_OPERATOR,
    SoqlError,
)
from salesforce_emulator.soql.ids import normalize_id

Params = list[Any]

_CATEGORIES = {
    "id": "id",
    "reference": "id",
    "boolean": "boolean",
    "double": "number",
    "currency": "number",
    "percent": "number",
    "int": "number",
    "long": "number",
    "date": "date",
    "datetime": "datetime",
}
# How Salesforce names the expected type in "must be of type ..." messages.
_TYPE_WORDS = {"datetime": "dateTime", "int": "integer", "currency": "double", "percent": "double"}


def category_of(field_type: str) -> str:
    """The comparison family of a describe type: string, id, boolean, number, date, datetime."""
    return _CATEGORIES.get(field_type, "string")


def format_datetime(moment: dt.datetime) -> str:
    """A UTC datetime in the storage encoding 'YYYY-MM-DDTHH:MM:SS.sss+0000'."""
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@dataclass(frozen=True, slots=True)
class Typed:
    """An operand ready for comparison: SQL expression, describe type, name for messages."""

    sql: str
    type: str
    label: str


Resolve = Callable[[nodes.Operand], Typed]
CompileSemiJoin = Callable[[nodes.Select], tuple[str, Params]]
Raise = Callable[[str, nodes.Position | None, str], SoqlError]


class ConditionCompiler:
    """Compiles one condition tree; `resolve` maps operands (fields or aggregates) to SQL."""

    def __init__(
        self,
        *,
        resolve: Resolve,
        semi_join: CompileSemiJoin,
        error: Raise,
        today: dt.date,
    ) -> None:
        self._resolve = resolve
        self._semi_join = semi_join
        self._error = error
        self._today = today

    def compile(self, condition: nodes.Condition) -> tuple[str, Params]:
        if isinstance(condition, nodes.And | nodes.Or):
            joiner = " AND " if isinstance(condition, nodes.And) else " OR "
            parts, params = [], []
            for operand in condition.operands:
                sql, more = self.compile(operand)
                parts.append(f"({sql})")
                params.extend(more)
            return joiner.join(parts), params
        if isinstance(condition, nodes.Not):
            sql, params = self.compile(condition.operand)
            return f"NOT IFNULL(({sql}), 0)", params
        if isinstance(condition, nodes.Comparison):
            return self._comparison(condition)
        if isinstance(condition, nodes.InList):
            return self._in_list(condition)
        return self._semi_join_condition(condition)

    def _comparison(self, comparison: nodes.Comparison) -> tuple[str, Params]:
        target = self._resolve(comparison.operand)
        value, operator = comparison.value, comparison.operator
        if operator == "LIKE":
            return self._like(target, value)
        if isinstance(value, nodes.DateLiteral):
            return self._date_range(target, operator, value)
        param = self._param(target, value)
        sql = self._collated(target)
        if param is None:
            if operator in ("=", "!="):
                return f"{target.sql} IS {'NOT ' if operator == '!=' else ''}NULL", []
            return "0", []
        if operator == "!=":
            return f"{sql} IS NOT ?", [param]
        if category_of(target.type) == "boolean" and operator != "=":
            raise self._bad_operator(target, value.position)
        return f"{sql} {operator} ?", [param]

    def _like(self, target: Typed, value: nodes.Value) -> tuple[str, Params]:
        if category_of(target.type) not in ("string", "id"):
            raise self._bad_operator(target, value.position)
        if isinstance(value, nodes.NullValue):
            return "0", []
        if not isinstance(value, nodes.StringValue):
            raise self._type_error(target, value)
        return f"{target.sql} LIKE ? ESCAPE '\\'", [value.like_pattern]

    def _date_range(
        self, target: Typed, operator: str, literal: nodes.DateLiteral
    ) -> tuple[str, Params]:
        kind = category_of(target.type)
        if kind not in ("date", "datetime"):
            raise self._type_error(target, literal)
        start, end = (
            (day.isoformat() if kind == "date" else f"{day.isoformat()}T00:00:00.000+0000")
            for day in resolve_date_literal(literal.name, literal.n, self._today)
        )
        column = target.sql
        if operator == "=":
            return f"({column} >= ? AND {column} < ?)", [start, end]
        if operator == "!=":
            return f"NOT IFNULL(({column} >= ? AND {column} < ?), 0)", [start, end]
        bound = {"<": ("<", start), "<=": ("<", end), ">": (">=", end), ">=": (">=", start)}
        sql_operator, param = bound[operator]
        return f"{column} {sql_operator} ?", [param]

    def _in_list(self, condition: nodes.InList) -> tuple[str, Params]:
        target = self._resolve(condition.operand)
        if any(isinstance(v, nodes.DateLiteral) for v in condition.values):
            either = nodes.Or(
                tuple(nodes.Comparison(condition.operand, "=", v) for v in condition.values)
            )
            sql, params = self.compile(either)
        else:
            values = [self._param(target, v) for v in condition.values]
            present = [v for v in values if v is not None]
            marks = ", ".join("?" * len(present))
            sql, params = f"{self._collated(target)} IN ({marks})", present
            if len(present) < len(values):
                sql = f"{target.sql} IS NULL OR {sql}" if present else f"{target.sql} IS NULL"
        return (f"NOT IFNULL(({sql}), 0)" if condition.negated else sql), params

    def _semi_join_condition(self, condition: nodes.SemiJoin) -> tuple[str, Params]:
        target = self._resolve(condition.operand)
        if category_of(target.type) != "id":
            raise self._error(
                INVALID_FIELD,
                condition.select.object_position,
                f"The left operand field in the where expression for outer query should be an "
                f"id field, cannot use: '{target.label}'",
            )
        sub_sql, params = self._semi_join(condition.select)
        sql = f"{target.sql} IN ({sub_sql})"
        return (f"NOT IFNULL(({sql}), 0)" if condition.negated else sql), params

    def _collated(self, target: Typed) -> str:
        # Salesforce compares text case-insensitively; ids are case-sensitive.
        if category_of(target.type) == "string":
            return f"{target.sql} COLLATE NOCASE"
        return target.sql

    def _param(self, target: Typed, value: nodes.Value) -> Any:
        """The storage-encoded parameter for a literal, or a Salesforce type error."""
        if isinstance(value, nodes.NullValue):
            return None
        kind = category_of(target.type)
        if kind == "string" and isinstance(value, nodes.StringValue):
            return value.value
        if kind == "id" and isinstance(value, nodes.StringValue):
            normalized = normalize_id(value.value)
            if normalized is None:
                raise self._error(
                    INVALID_QUERY_FILTER_OPERATOR,
                    value.position,
                    f"invalid ID field: {value.value}",
                )
            return normalized
        if kind == "boolean" and isinstance(value, nodes.BooleanValue):
            return int(value.value)
        if kind == "number" and isinstance(value, nodes.NumberValue):
            return value.value
        if kind == "date" and isinstance(value, nodes.DateValue):
            return value.value.isoformat()
        if kind == "datetime" and isinstance(value, nodes.DateTimeValue):
            return format_datetime(value.value)
        raise self._type_error(target, value)

    def _type_error(self, target: Typed, value: nodes.Value) -> SoqlError:
        kind = category_of(target.type)
        expected = _TYPE_WORDS.get(target.type, target.type if kind != "string" else "string")
        quoted = isinstance(value, nodes.StringValue)
        if kind in ("string", "id"):
            advice = " and should be enclosed in quotes"
        else:
            advice = " and should not be enclosed in quotes" if quoted else ""
        return self._error(
            INVALID_FIELD,
            value.position,
            f"value of filter criterion for field '{target.label}' must be of type {expected}"
            f"{advice}",
        )

    def _bad_operator(self, target: Typed, where: nodes.Position) -> SoqlError:
        return self._error(
            INVALID_QUERY_FILTER_OPERATOR,
            where,
            f"invalid operator on {_TYPE_WORDS.get(target.type, target.type)} field: "
            f"{target.label}",
        )
