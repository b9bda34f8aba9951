"""Compile `$filter` and `$orderby` trees into parameterised SQLite for one entity set.

Values are compared in storage form (see values.py): a `datetime'...'` literal becomes
milliseconds before it meets an Edm.DateTime column, decimals compare as numbers. `eq`/`ne`
use `IS`/`IS NOT` so that `null` compares the way OData says it does.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from s4hana_emulator.odata.expressions import Binary, Call, Literal, Member, Node, Not, OrderItem
from s4hana_emulator.odata.model import EntitySet, Property, ServiceModel
from s4hana_emulator.odata.values import (
    INTEGER_TYPES,
    NUMERIC_TYPES,
    datetime_to_ms,
    datetime_to_us,
)

_COMPARISONS = {"eq": "IS", "ne": "IS NOT", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_ARITHMETIC = {"add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "%"}
_DATE_PARTS = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M"}
_DATE_PARTS["second"] = "%S"


class FilterError(ValueError):
    """A filter that is well formed but does not fit the entity set."""


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Typed:
    """A compiled SQL expression, its Edm type, and its property when it is a plain column."""

    sql: str
    type: str
    params: list[Any] = field(default_factory=list)
    prop: Property | None = None


@dataclass
class _Scope:
    model: ServiceModel
    alias_count: int = 0

    def next_alias(self) -> str:
        self.alias_count += 1
        return f"n{self.alias_count}"


def column(alias: str, prop: Property) -> str:
    return f"{alias}.{quote(prop.name)}"


def numeric(typed: Typed) -> str:
    """Decimals are stored as text; compare and compute them as numbers."""
    return f"CAST({typed.sql} AS REAL)" if typed.type == "Decimal" else typed.sql


def compile_filter(
    node: Node, entity_set: EntitySet, model: ServiceModel, *, alias: str = "t"
) -> tuple[str, list[Any]]:
    """A WHERE condition (and its parameters) for `node` over `entity_set` aliased `alias`."""
    compiler = _Compiler(_Scope(model))
    typed = compiler.expression(node, entity_set, alias)
    if typed.type != "Boolean":
        raise FilterError("The filter expression does not evaluate to a boolean")
    return compiler.predicate(typed), typed.params


def order_expression(alias: str, prop: Property) -> str:
    """How a column sorts: numbers as numbers, SAP's numeric keys as zero-padded numbers."""
    name = column(alias, prop)
    if prop.type == "Decimal":
        return f"CAST({name} AS REAL)"
    if prop.alpha:
        return f"({name} GLOB '*[^0-9]*'), length({name}), {name}"
    return name


def compile_orderby(items: list[OrderItem], entity_set: EntitySet, *, alias: str = "t") -> str:
    """An ORDER BY list; only the set's own properties may be sorted on."""
    parts: list[str] = []
    for item in items:
        prop = entity_set.get_property(item.path[0]) if len(item.path) == 1 else None
        if prop is None:
            raise FilterError(f"Property '{'/'.join(item.path)}' cannot be used in $orderby")
        direction = " DESC" if item.descending else ""
        parts.extend(f"{part}{direction}" for part in order_expression(alias, prop).split(", "))
    return ", ".join(parts)


class _Compiler:
    def __init__(self, scope: _Scope) -> None:
        self.scope = scope

    def predicate(self, typed: Typed) -> str:
        """A boolean expression usable in WHERE (a bare boolean column becomes `col = 1`)."""
        return f"({typed.sql} = 1)" if typed.prop is not None else typed.sql

    def expression(self, node: Node, entity_set: EntitySet, alias: str) -> Typed:
        if isinstance(node, Literal):
            return self.literal(node)
        if isinstance(node, Member):
            return self.member(node.path, entity_set, alias)
        if isinstance(node, Not):
            operand = self.expression(node.operand, entity_set, alias)
            self.require(operand, "Boolean", "not")
            return Typed(f"(NOT {self.predicate(operand)})", "Boolean", operand.params)
        if isinstance(node, Call):
            args = [self.expression(arg, entity_set, alias) for arg in node.args]
            return self.call(node.name, args)
        return self.binary(node, entity_set, alias)

    def literal(self, node: Literal) -> Typed:
        if node.type == "Null":
            return Typed("NULL", "Null")
        value = node.value
        if node.type == "Boolean":
            value = int(value)
        elif node.type == "Decimal":
            value = float(value)
        elif node.type == "DateTime":
            value = datetime_to_ms(value)
        elif node.type == "DateTimeOffset":
            value = datetime_to_us(value)
        return Typed("?", node.type, [value])

    def member(self, path: tuple[str, ...], entity_set: EntitySet, alias: str) -> Typed:
        *navigations, name = path
        if not navigations:
            prop = entity_set.get_property(name)
            if prop is None:
                raise FilterError(f"Property '{name}' not found in type '{entity_set.type_name}'")
            if not prop.filterable:
                raise FilterError(f"Property '{name}' is not filterable")
            return Typed(column(alias, prop), prop.type, [], prop)
        nav = entity_set.get_navigation(navigations[0])
        target = self.scope.model.get_entity_set(nav.target) if nav else None
        if nav is None or target is None or nav.many:
            raise FilterError(f"'{navigations[0]}' is not a single-valued navigation")
        inner = self.scope.next_alias()
        value = self.member((*navigations[1:], name), target, inner)
        join = " AND ".join(f"{inner}.{quote(t)} = {alias}.{quote(s)}" for s, t in nav.join)
        sql = f"(SELECT {value.sql} FROM {quote(target.name)} {inner} WHERE {join} LIMIT 1)"
        return Typed(sql, value.type, value.params, value.prop)

    def require(self, typed: Typed, kind: str, where: str) -> None:
        if typed.type != kind and not (kind == "Number" and typed.type in NUMERIC_TYPES):
            raise FilterError(f"Invalid parameter type used at function '{where}'")

    def binary(self, node: Binary, entity_set: EntitySet, alias: str) -> Typed:
        left = self.expression(node.left, entity_set, alias)
        right = self.expression(node.right, entity_set, alias)
        if node.op in ("and", "or"):
            self.require(left, "Boolean", node.op)
            self.require(right, "Boolean", node.op)
            sql = f"({self.predicate(left)} {node.op.upper()} {self.predicate(right)})"
            return Typed(sql, "Boolean", left.params + right.params)
        if node.op in _ARITHMETIC:
            self.require(left, "Number", node.op)
            self.require(right, "Number", node.op)
            sql = f"({numeric(left)} {_ARITHMETIC[node.op]} {numeric(right)})"
            kind = "Int32" if {left.type, right.type} <= INTEGER_TYPES else "Double"
            return Typed(sql, kind, left.params + right.params)
        return self.comparison(node.op, left, right)

    def comparison(self, op: str, left: Typed, right: Typed) -> Typed:
        if "Null" in (left.type, right.type):
            if op not in ("eq", "ne"):
                raise FilterError(f"null cannot be used with '{op}'")
            other = right if left.type == "Null" else left
            sql = f"({other.sql} {'IS' if op == 'eq' else 'IS NOT'} NULL)"
            return Typed(sql, "Boolean", other.params)
        left, right = _coerce(left, right), _coerce(right, left)
        if not _comparable(left.type, right.type):
            raise FilterError(f"Invalid parameter type used at function '{op}'")
        if left.type == "Boolean":
            lhs, rhs = self.predicate(left), self.predicate(right)
        else:
            lhs, rhs = numeric(left), numeric(right)
        return Typed(f"({lhs} {_COMPARISONS[op]} {rhs})", "Boolean", left.params + right.params)

    def call(self, name: str, args: list[Typed]) -> Typed:
        builder = _FUNCTIONS.get(name)
        if builder is None:
            raise FilterError(f"Function '{name}' is not supported")
        arity, kinds, result, template = builder
        if len(args) not in arity:
            raise FilterError(f"Function '{name}' has the wrong number of parameters")
        for typed, kind in zip(args, kinds, strict=False):
            if kind == "Date" and typed.type in ("DateTime", "DateTimeOffset"):
                continue
            self.require(typed, kind, name)
        params = [param for typed in args for param in typed.params]
        return Typed(template([_sql_of(typed) for typed in args], args), result, params)


def _sql_of(typed: Typed) -> str:
    return numeric(typed)


def _coerce(typed: Typed, other: Typed) -> Typed:
    """A literal takes the storage form of the column it is compared with."""
    if typed.sql != "?" or other.prop is None:
        return typed
    value, kind = typed.params[0], other.type
    if typed.type == "DateTime" and kind == "DateTimeOffset":
        return Typed("?", kind, [value * 1000])
    if typed.type == "DateTimeOffset" and kind == "DateTime":
        return Typed("?", kind, [value // 1000])
    if typed.type in NUMERIC_TYPES and kind in NUMERIC_TYPES:
        return Typed("?", kind, [float(value) if kind in ("Decimal", "Double") else value])
    return typed


def _comparable(left: str, right: str) -> bool:
    if left == right:
        return True
    return left in NUMERIC_TYPES and right in NUMERIC_TYPES


def _date_part(fmt: str, divisor: int) -> Callable[[list[str], list[Typed]], str]:
    def build(sql: list[str], args: list[Typed]) -> str:
        scale = divisor if args[0].type == "DateTime" else divisor * 1000
        return f"CAST(strftime('{fmt}', {sql[0]} / {scale}, 'unixepoch') AS INTEGER)"

    return build


Template = Callable[[list[str], list[Typed]], str]
_FUNCTIONS: dict[str, tuple[range, tuple[str, ...], str, Template]] = {
    "substringof": (range(2, 3), ("String", "String"), "Boolean",
                    lambda s, _: f"(instr({s[1]}, {s[0]}) > 0)"),
    "startswith": (range(2, 3), ("String", "String"), "Boolean",
                   lambda s, _: f"(instr({s[0]}, {s[1]}) = 1)"),
    "endswith": (range(2, 3), ("String", "String"), "Boolean",
                 lambda s, _: f"odata_endswith({s[0]}, {s[1]})"),
    "tolower": (range(1, 2), ("String",), "String", lambda s, _: f"lower({s[0]})"),
    "toupper": (range(1, 2), ("String",), "String", lambda s, _: f"upper({s[0]})"),
    "trim": (range(1, 2), ("String",), "String", lambda s, _: f"trim({s[0]})"),
    "length": (range(1, 2), ("String",), "Int32", lambda s, _: f"length({s[0]})"),
    "concat": (range(2, 3), ("String", "String"), "String", lambda s, _: f"({s[0]} || {s[1]})"),
    "indexof": (range(2, 3), ("String", "String"), "Int32",
                lambda s, _: f"(instr({s[0]}, {s[1]}) - 1)"),
    "replace": (range(3, 4), ("String", "String", "String"), "String",
                lambda s, _: f"replace({s[0]}, {s[1]}, {s[2]})"),
    "substring": (range(2, 4), ("String", "Number", "Number"), "String",
                  lambda s, _: f"substr({s[0]}, {s[1]} + 1{', ' + s[2] if len(s) > 2 else ''})"),
    "round": (range(1, 2), ("Number",), "Double", lambda s, _: f"round({s[0]})"),
    "floor": (range(1, 2), ("Number",), "Double", lambda s, _: f"odata_floor({s[0]})"),
    "ceiling": (range(1, 2), ("Number",), "Double", lambda s, _: f"odata_ceiling({s[0]})"),
    **{
        part: (range(1, 2), ("Date",), "Int32", _date_part(fmt, 1000))
        for part, fmt in _DATE_PARTS.items()
    },
}  # fmt: skip


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions the compiled filters call (each argument is evaluated once)."""
    conn.create_function(
        "odata_endswith",
        2,
        lambda text, suffix: None if text is None or suffix is None else text.endswith(suffix),
        deterministic=True,
    )
    conn.create_function(
        "odata_floor", 1, lambda x: None if x is None else math.floor(x), deterministic=True
    )
    conn.create_function(
        "odata_ceiling", 1, lambda x: None if x is None else math.ceil(x), deterministic=True
    )


def literal_to_storage(literal: Literal, prop: Property) -> Any:
    """A key-predicate literal in the storage form of its key property."""
    value = literal.value
    if prop.type == "String" and literal.type == "String":
        return value
    if prop.type == "DateTime" and literal.type in ("DateTime", "DateTimeOffset"):
        return datetime_to_ms(value)
    if prop.type == "DateTimeOffset" and literal.type in ("DateTime", "DateTimeOffset"):
        return datetime_to_us(value)
    if prop.type in INTEGER_TYPES and literal.type in INTEGER_TYPES:
        return int(value)
    if prop.type == "Decimal" and literal.type in NUMERIC_TYPES:
        return str(Decimal(str(value)))
    if prop.type == literal.type:
        return int(value) if prop.type == "Boolean" else value
    raise FilterError(f"Key '{prop.name}' needs an {prop.edm_type} literal")
