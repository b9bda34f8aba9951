"""Aggregate queries: COUNT(field), COUNT_DISTINCT, SUM, AVG, MIN, MAX with GROUP BY/HAVING."""

from __future__ import annotations

from collections.abc import Callable

from salesforce_emulator.soql import nodes
from salesforce_emulator.soql.conditions import (
    ConditionCompiler,
    Params,
    Resolve,
    Typed,
    category_of,
)
from salesforce_emulator.soql.errors import MALFORMED_QUERY
from salesforce_emulator.soql.plans import AggregatePlan, FieldSlot, decoder_for, order_term
from salesforce_emulator.soql.scope import Scope

_NUMERIC_ONLY = frozenset({"SUM", "AVG"})


def compile_aggregate(
    select: nodes.Select,
    *,
    scope: Scope,
    where_sql: str,
    where_params: Params,
    conditions: Callable[[Resolve], ConditionCompiler],
) -> AggregatePlan:
    """Compile an aggregate query; results are AggregateResult records keyed by alias/exprN."""
    grouped = _Grouped(scope, select.group_by)
    columns: list[str] = []
    slots: list[tuple[str, FieldSlot]] = []
    unnamed = 0
    for item in select.items:
        if isinstance(item, nodes.SubQuery):
            raise scope.context.error(
                MALFORMED_QUERY,
                item.select.object_position,
                "Relationship subqueries cannot be used in aggregate queries",
            )
        if isinstance(item, nodes.FunctionCall) and item.name == "FIELDS":
            raise scope.context.error(
                MALFORMED_QUERY, item.position, "FIELDS() cannot be used in aggregate queries"
            )
        typed = grouped.resolve(item)
        if isinstance(item, nodes.FunctionCall):
            key = item.alias or f"expr{unnamed}"
            unnamed += item.alias is None
        else:
            key = typed.label.rsplit(".", 1)[-1]
        slots.append((key, FieldSlot(len(columns), decoder_for(typed.type))))
        columns.append(typed.sql)
    sql = f" GROUP BY {', '.join(grouped.group_sql)}" if grouped.group_sql else ""
    params = list(where_params)
    if select.having is not None:
        having_sql, having_params = conditions(grouped.resolve).compile(select.having)
        sql += f" HAVING {having_sql}"
        params.extend(having_params)
    if select.order_by:
        sql += " ORDER BY " + ", ".join(
            order_term(grouped.resolve(key.target), key) for key in select.order_by
        )
    if select.limit is not None or select.offset:
        sql += " LIMIT ? OFFSET ?"
        params.extend([-1 if select.limit is None else select.limit, select.offset or 0])
    head = f"SELECT {', '.join(columns)} FROM {scope.from_sql()}{where_sql}"
    return AggregatePlan(scope.object.name, head + sql, params, slots)


class _Grouped:
    """Resolves operands of an aggregate query: grouped fields or aggregate functions."""

    def __init__(self, scope: Scope, group_by: tuple[nodes.FieldPath, ...]) -> None:
        self.scope = scope
        self.group_sql: list[str] = []
        for path in group_by:
            self.group_sql.append(scope.resolve(path).sql)

    def resolve(self, operand: nodes.Operand) -> Typed:
        if isinstance(operand, nodes.FieldPath):
            column = self.scope.resolve(operand)
            if column.sql not in self.group_sql:
                raise self.scope.context.error(
                    MALFORMED_QUERY,
                    operand.position,
                    f"Field must be grouped or aggregated: {column.field.name}",
                )
            return Typed(column.sql, column.field.type, column.field.name)
        return self._aggregate(operand)

    def _aggregate(self, call: nodes.FunctionCall) -> Typed:
        if call.argument is None:
            raise self.scope.context.error(
                MALFORMED_QUERY, call.position, "COUNT() cannot be combined with other fields"
            )
        column = self.scope.resolve(call.argument)
        field_type = column.field.type
        if call.name in _NUMERIC_ONLY and category_of(field_type) != "number":
            raise self.scope.context.error(
                MALFORMED_QUERY,
                call.argument.position,
                f"field {column.field.name} does not support aggregate operator {call.name}",
            )
        label = f"{call.name}({call.argument.text})"
        if call.name == "COUNT":
            return Typed(f"COUNT({column.sql})", "int", label)
        if call.name == "COUNT_DISTINCT":
            return Typed(f"COUNT(DISTINCT {column.sql})", "int", label)
        if call.name == "AVG":
            return Typed(f"AVG({column.sql})", "double", label)
        return Typed(f"{call.name}({column.sql})", field_type, label)
