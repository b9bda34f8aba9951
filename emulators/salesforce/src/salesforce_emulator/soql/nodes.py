"""The SOQL syntax tree: immutable, so parsed queries can be cached and shared."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Position:
    """1-based row and column of a token in the query text."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class FieldPath:
    """`Name`, `Account.Owner.Name` or `a.Name` (alias resolved by the compiler)."""

    parts: tuple[str, ...]
    position: Position

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """`COUNT()`, `COUNT(Id)`, `SUM(Amount) total`, `FIELDS(ALL)`; name is upper-cased."""

    name: str
    argument: FieldPath | None
    alias: str | None
    position: Position


@dataclass(frozen=True, slots=True)
class SubQuery:
    """A child-relationship subquery in the SELECT list."""

    select: Select


SelectItem: TypeAlias = FieldPath | FunctionCall | SubQuery


@dataclass(frozen=True, slots=True)
class StringValue:
    """A quoted string; `like_pattern` keeps `\\%`/`\\_` escaped for LIKE."""

    value: str
    like_pattern: str
    position: Position


@dataclass(frozen=True, slots=True)
class NumberValue:
    value: int | float
    position: Position


@dataclass(frozen=True, slots=True)
class BooleanValue:
    value: bool
    position: Position


@dataclass(frozen=True, slots=True)
class NullValue:
    position: Position


@dataclass(frozen=True, slots=True)
class DateValue:
    value: dt.date
    position: Position


@dataclass(frozen=True, slots=True)
class DateTimeValue:
    """A datetime literal, normalised to UTC."""

    value: dt.datetime
    position: Position


@dataclass(frozen=True, slots=True)
class DateLiteral:
    """A relative date range such as TODAY or LAST_N_DAYS:7 (name upper-cased)."""

    name: str
    n: int | None
    position: Position


Value: TypeAlias = (
    StringValue | NumberValue | BooleanValue | NullValue | DateValue | DateTimeValue | DateLiteral
)
Operand: TypeAlias = FieldPath | FunctionCall


@dataclass(frozen=True, slots=True)
class Comparison:
    """`operand op value` with op one of = != < <= > >= LIKE."""

    operand: Operand
    operator: str
    value: Value


@dataclass(frozen=True, slots=True)
class InList:
    operand: Operand
    values: tuple[Value, ...]
    negated: bool


@dataclass(frozen=True, slots=True)
class SemiJoin:
    """`field IN (SELECT ...)` or, negated, the anti-join."""

    operand: Operand
    select: Select
    negated: bool


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Condition, ...]


Condition: TypeAlias = Comparison | InList | SemiJoin | Not | And | Or


@dataclass(frozen=True, slots=True)
class OrderKey:
    target: Operand
    descending: bool
    nulls_first: bool | None  # None: Salesforce's default for the direction


@dataclass(frozen=True, slots=True)
class Select:
    items: tuple[SelectItem, ...]
    object_name: str
    object_position: Position
    alias: str | None = None
    where: Condition | None = None
    group_by: tuple[FieldPath, ...] = ()
    having: Condition | None = None
    order_by: tuple[OrderKey, ...] = ()
    limit: int | None = None
    offset: int | None = None
