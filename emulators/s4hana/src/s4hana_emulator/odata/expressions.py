"""Parse OData v2 expressions (`$filter`, `$orderby`, key predicates) into a small syntax tree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, VisitError

from s4hana_emulator.odata.values import ValueProblem, parse_iso, parse_time


class ExpressionError(ValueError):
    """An expression that is not valid OData (its message says where)."""


@dataclass(frozen=True)
class Literal:
    """A typed literal; `type` is the Edm type name without `Edm.` (or `Null`)."""

    type: str
    value: Any


@dataclass(frozen=True)
class Member:
    """A property, or a path through single-valued navigations to one."""

    path: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Binary:
    """`eq`..`le`, `and`, `or`, `add`..`mod`."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


Node = Literal | Member | Call | Binary | Not


@dataclass(frozen=True)
class OrderItem:
    path: tuple[str, ...]
    descending: bool


@cache
def _parser() -> Lark:
    grammar = resources.files("s4hana_emulator.odata").joinpath("expressions.lark").read_text()
    return Lark(grammar, start=["filter", "keypredicate", "orderby"], parser="lalr")


def _timestamp_literal(token: Token, prefix: str) -> datetime:
    return parse_iso(str(token)[len(prefix) + 1 : -1])


@v_args(inline=True)
class _ToTree(Transformer[Token, Any]):
    def string(self, token: Token) -> Literal:
        return Literal("String", str(token)[1:-1].replace("''", "'"))

    def datetime(self, token: Token) -> Literal:
        return Literal("DateTime", _timestamp_literal(token, "datetime"))

    def datetimeoffset(self, token: Token) -> Literal:
        return Literal("DateTimeOffset", _timestamp_literal(token, "datetimeoffset"))

    def guid(self, token: Token) -> Literal:
        return Literal("Guid", str(token)[5:-1].lower())

    def time(self, token: Token) -> Literal:
        return Literal("Time", parse_time(str(token)[5:-1]))

    def decimal(self, token: Token) -> Literal:
        return Literal("Decimal", Decimal(str(token)[:-1]))

    def double(self, token: Token) -> Literal:
        return Literal("Double", float(str(token).rstrip("dDfF")))

    def int64(self, token: Token) -> Literal:
        return Literal("Int64", int(str(token)[:-1]))

    def number(self, token: Token) -> Literal:
        text = str(token)
        return Literal("Decimal", Decimal(text)) if "." in text else Literal("Int32", int(text))

    def true(self) -> Literal:
        return Literal("Boolean", True)

    def false(self) -> Literal:
        return Literal("Boolean", False)

    def null(self) -> Literal:
        return Literal("Null", None)

    def member(self, *names: Token) -> Member:
        return Member(tuple(str(name) for name in names))

    def call(self, name: Token, *args: Node | None) -> Call:
        return Call(str(name), tuple(arg for arg in args if arg is not None))

    def compare(self, left: Node, op: Any, right: Node) -> Binary:
        return Binary(_op(op), left, right)

    def arithmetic(self, left: Node, op: Any, right: Node) -> Binary:
        return Binary(_op(op), left, right)

    def and_(self, left: Node, right: Node) -> Binary:
        return Binary("and", left, right)

    def or_(self, left: Node, right: Node) -> Binary:
        return Binary("or", left, right)

    def not_(self, operand: Node) -> Not:
        return Not(operand)

    def named_key(self, name: Token, value: Literal) -> tuple[str, Literal]:
        return (str(name), value)

    def keypredicate(self, *parts: Any) -> list[tuple[str | None, Literal]]:
        if len(parts) == 1 and isinstance(parts[0], Literal):
            return [(None, parts[0])]
        return list(parts)

    def order_item(self, member: Member, direction: Any = None) -> OrderItem:
        return OrderItem(member.path, direction is not None and _op(direction) == "desc")

    def orderby(self, *items: OrderItem) -> list[OrderItem]:
        return list(items)


def _op(tree: Any) -> str:
    """The keyword of a `!rule` subtree (compare_op, add_op, order_dir)."""
    return str(tree.children[0])


def _parse(text: str, start: str) -> Any:
    parsed = _parsed(text, start)
    # Lists are handed out as copies: the cached tree stays as parsed whatever a caller does.
    return list(parsed) if isinstance(parsed, list) else parsed


# Clients send the same few expressions again and again (a customer's lookup, a sku's stock
# read, an order's key): each is parsed once. The nodes are frozen dataclasses.
@lru_cache(maxsize=4096)
def _parsed(text: str, start: str) -> Any:
    try:
        tree = _parser().parse(text, start=start)
        return _ToTree().transform(tree)
    except VisitError as error:
        cause = error.orig_exc
        if isinstance(cause, ValueProblem | ValueError):
            raise ExpressionError(str(cause)) from error
        raise
    except LarkError as error:
        raise ExpressionError(_describe(error, text)) from error


def _describe(error: LarkError, text: str) -> str:
    column = getattr(error, "column", None)
    if isinstance(column, int) and column > 0:
        return f"Invalid token at position {column} in '{text}'"
    return f"Invalid expression '{text}'"


def parse_filter(text: str) -> Node:
    """A `$filter` expression."""
    if not text.strip():
        raise ExpressionError("The filter expression is empty")
    result: Node = _parse(text, "filter")
    return result


def parse_key_predicate(text: str) -> list[tuple[str | None, Literal]]:
    """`('4711')` → [(None, '4711')]; `(A='1',B='2')` → [('A', '1'), ('B', '2')]."""
    result: list[tuple[str | None, Literal]] = _parse(text, "keypredicate")
    return result


def parse_orderby(text: str) -> list[OrderItem]:
    """`SalesOrder desc,CreationDate` → two order items."""
    result: list[OrderItem] = _parse(text, "orderby")
    return result
