"""SOQL text -> syntax tree, with a LALR grammar (grammar.lark) and Salesforce's error wording."""

from __future__ import annotations

import datetime as dt
import functools
import re
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from salesforce_emulator.soql import nodes
from salesforce_emulator.soql.dates import is_date_literal, needs_n
from salesforce_emulator.soql.errors import (
    MALFORMED_QUERY,
    NUMBER_OUTSIDE_VALID_RANGE,
    SoqlError,
    located_error,
)

MAX_OFFSET = 2000
AGGREGATES = frozenset({"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"})
FIELDS_KINDS = frozenset({"ALL", "STANDARD", "CUSTOM"})
_WITH_OPTIONS = frozenset({"SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE"})
_FOR_OPTIONS = frozenset({"VIEW", "REFERENCE", "UPDATE"})
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'"}
_WORD = re.compile(r"\w+")
# Words SOQL never accepts as names (`Order` and `Group` are objects, so they are not here).
_CLAUSE_WORDS = ("SELECT", "FROM", "WHERE", "WITH", "HAVING", "BY", "LIMIT", "OFFSET")
_OPERATOR_WORDS = ("AND", "OR", "NOT", "IN", "LIKE", "NULL", "TRUE", "FALSE")
_ORDER_WORDS = ("ASC", "DESC", "NULLS", "FIRST", "LAST")
_RESERVED = frozenset({*_CLAUSE_WORDS, *_OPERATOR_WORDS, *_ORDER_WORDS})


class _Rejected(Exception):
    """Raised inside the transformer; parse_soql adds the echoed query line."""

    def __init__(self, code: str, position: nodes.Position | None, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.position = position
        self.detail = detail


@functools.lru_cache(maxsize=1024)
def parse_soql(text: str) -> nodes.Select:
    """Parse one SOQL query; raises SoqlError(MALFORMED_QUERY, ...) on bad syntax."""
    if not text.strip():
        raise SoqlError(MALFORMED_QUERY, "SOQL statement cannot be empty")
    try:
        select = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    except _Rejected as exc:
        raise located_error(exc.code, text, exc.position, exc.detail) from None
    assert isinstance(select, nodes.Select)  # the transformer builds nodes, not a lark tree
    return select


@functools.cache
def _parser() -> Lark:
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        maybe_placeholders=True,
        transformer=_ToNodes(),
    )


def _syntax_error(text: str, exc: UnexpectedInput) -> SoqlError:
    if isinstance(exc, UnexpectedCharacters):
        where = nodes.Position(exc.line, exc.column)
        return located_error(
            MALFORMED_QUERY, text, where, f"no viable alternative at character '{exc.char}'"
        )
    token = exc.token if isinstance(exc, UnexpectedToken) else None
    if token is None or token.type == "$END":
        lines = text.rstrip().splitlines() or [""]
        where = nodes.Position(len(lines), len(lines[-1]) + 1)
        return located_error(MALFORMED_QUERY, text, where, "unexpected token: '<EOF>'")
    previous = _previous_token(exc)
    if previous is not None and previous.type == "IDENT" and previous.upper() in _RESERVED:
        token = previous  # `SELECT FROM x` fails at `x`, but the culprit is FROM taken as a name
    start, shown = _word_at(text, token)
    where = nodes.Position(token.line or 1, (token.column or 1) - (token.start_pos or 0) + start)
    return located_error(MALFORMED_QUERY, text, where, f"unexpected token: '{shown}'")


def _previous_token(exc: UnexpectedInput) -> Token | None:
    stack = getattr(getattr(exc, "state", None), "value_stack", None) or [None]
    return stack[-1] if isinstance(stack[-1], Token) else None


def _word_at(text: str, token: Token) -> tuple[int, str]:
    """The whole word a token sits in: keyword prefixes split words such as `FORM`."""
    start = token.start_pos or 0
    if not _WORD.fullmatch(str(token)):
        return start, str(token)
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    match = _WORD.match(text, start)
    return start, match.group() if match else str(token)


def _at(token: Token) -> nodes.Position:
    return nodes.Position(token.line or 1, token.column or 1)


def _name(token: Token) -> str:
    """An object, field or alias name; reserved words are rejected where a name is expected."""
    if str(token).upper() in _RESERVED:
        raise _Rejected(MALFORMED_QUERY, _at(token), f"unexpected token: '{token}'")
    return str(token)


def _decode_string(token: Token) -> nodes.StringValue:
    raw = str(token)[1:-1]
    value: list[str] = []
    like: list[str] = []
    i = 0
    while i < len(raw):
        char = raw[i]
        if char != "\\":
            value.append(char)
            like.append(char)
            i += 1
            continue
        code = raw[i + 1]
        if code in ("%", "_", "\\"):
            value.append(code)
            like.append("\\" + code)
            i += 2
        elif code in _ESCAPES:
            value.append(_ESCAPES[code])
            like.append(_ESCAPES[code])
            i += 2
        elif code == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", raw[i + 2 : i + 6]):
            value.append(chr(int(raw[i + 2 : i + 6], 16)))
            like.append(value[-1])
            i += 6
        else:
            raise _Rejected(
                MALFORMED_QUERY,
                _at(token),
                f"Invalid string literal '{raw}'. Illegal character sequence "
                f"'\\{code}' in string literal.",
            )
    return nodes.StringValue("".join(value), "".join(like), _at(token))


class _ToNodes(Transformer[Token, Any]):
    """Builds nodes bottom-up while LALR reduces (no intermediate tree)."""

    def start(self, children: list[Any]) -> nodes.Select:
        select: nodes.Select = children[0]
        return select

    def select(self, children: list[Any]) -> nodes.Select:
        items, obj, alias, where, _with, group_by, having, order_by, limit, offset, _for = children
        _name(obj)
        if alias is not None:
            _name(alias)
        if offset is not None and offset > MAX_OFFSET:
            raise _Rejected(
                NUMBER_OUTSIDE_VALID_RANGE, None, f"Maximum SOQL offset allowed is {MAX_OFFSET}"
            )
        return nodes.Select(
            items=tuple(items),
            object_name=str(obj),
            object_position=_at(obj),
            alias=str(alias) if alias is not None else None,
            where=where,
            group_by=tuple(group_by or ()),
            having=having,
            order_by=tuple(order_by or ()),
            limit=limit,
            offset=offset,
        )

    def select_list(self, children: list[Any]) -> list[Any]:
        return children

    def field_path(self, children: list[Token]) -> nodes.FieldPath:
        return nodes.FieldPath(tuple(_name(part) for part in children), _at(children[0]))

    def function(self, children: list[Any]) -> nodes.FunctionCall:
        name_token, argument = children
        name = str(name_token).upper()
        where = _at(name_token)
        if name == "FIELDS":
            kind = argument.text.upper() if argument is not None else ""
            if kind not in FIELDS_KINDS:
                raise _Rejected(MALFORMED_QUERY, where, f"unexpected token: '{argument or ')'}'")
            return nodes.FunctionCall(
                name, nodes.FieldPath((kind,), argument.position), None, where
            )
        if name not in AGGREGATES:
            raise _Rejected(MALFORMED_QUERY, where, f"Unknown function: {name_token}")
        if argument is None and name != "COUNT":
            raise _Rejected(MALFORMED_QUERY, where, "unexpected token: ')'")
        return nodes.FunctionCall(name, argument, None, where)

    def aliased_function(self, children: list[Any]) -> nodes.FunctionCall:
        call: nodes.FunctionCall = children[0]
        alias: Token | None = children[1]
        if alias is None:
            return call
        if call.name == "FIELDS" or call.argument is None:
            raise _Rejected(MALFORMED_QUERY, _at(alias), f"unexpected token: '{alias}'")
        return nodes.FunctionCall(call.name, call.argument, str(alias), call.position)

    def subquery(self, children: list[Any]) -> nodes.SubQuery:
        return nodes.SubQuery(children[0])

    def where(self, children: list[Any]) -> Any:
        return children[0]

    having = where

    def with_clause(self, children: list[Token]) -> None:
        self._check_option(children[0], _WITH_OPTIONS)

    def for_clause(self, children: list[Token]) -> None:
        for option in children:
            self._check_option(option, _FOR_OPTIONS)

    @staticmethod
    def _check_option(token: Token, allowed: frozenset[str]) -> None:
        if str(token).upper() not in allowed:
            raise _Rejected(MALFORMED_QUERY, _at(token), f"unexpected token: '{token}'")

    def group_by(self, children: list[nodes.FieldPath]) -> list[nodes.FieldPath]:
        return children

    def order_by(self, children: list[nodes.OrderKey]) -> list[nodes.OrderKey]:
        return children

    def order_key(self, children: list[Any]) -> nodes.OrderKey:
        target, direction, nulls = children
        return nodes.OrderKey(target, direction == "DESC", None if nulls is None else nulls)

    def direction(self, children: list[Token]) -> str:
        return str(children[0]).upper()

    def nulls(self, children: list[Token]) -> bool:
        return str(children[0]).upper() == "FIRST"

    def limit(self, children: list[Token]) -> int:
        return int(children[0])

    offset = limit

    def and_(self, children: list[nodes.Condition]) -> nodes.And:
        return nodes.And(tuple(children))

    def or_(self, children: list[nodes.Condition]) -> nodes.Or:
        return nodes.Or(tuple(children))

    def not_(self, children: list[nodes.Condition]) -> nodes.Not:
        return nodes.Not(children[0])

    def compare(self, children: list[Any]) -> nodes.Comparison:
        operand, operator, value = children
        return nodes.Comparison(operand, "!=" if operator == "<>" else str(operator), value)

    def like(self, children: list[Any]) -> nodes.Comparison:
        return nodes.Comparison(children[0], "LIKE", children[1])

    def in_(self, children: list[Any]) -> nodes.InList | nodes.SemiJoin:
        return self._membership(children, negated=False)

    def not_in(self, children: list[Any]) -> nodes.InList | nodes.SemiJoin:
        return self._membership(children, negated=True)

    @staticmethod
    def _membership(children: list[Any], *, negated: bool) -> nodes.InList | nodes.SemiJoin:
        operand, target = children
        if isinstance(target, nodes.Select):
            return nodes.SemiJoin(operand, target, negated)
        return nodes.InList(operand, tuple(target), negated)

    def value_list(self, children: list[nodes.Value]) -> list[nodes.Value]:
        return children

    def semi_join(self, children: list[nodes.Select]) -> nodes.Select:
        return children[0]

    def string(self, children: list[Token]) -> nodes.StringValue:
        return _decode_string(children[0])

    def number(self, children: list[Token]) -> nodes.NumberValue:
        text = str(children[0])
        is_float = any(c in text for c in ".eE")
        return nodes.NumberValue(float(text) if is_float else int(text), _at(children[0]))

    def date(self, children: list[Token]) -> nodes.DateValue:
        token = children[0]
        try:
            return nodes.DateValue(dt.date.fromisoformat(str(token)), _at(token))
        except ValueError:
            raise _Rejected(MALFORMED_QUERY, _at(token), f"invalid date: {token}") from None

    def datetime(self, children: list[Token]) -> nodes.DateTimeValue:
        token = children[0]
        try:
            moment = dt.datetime.fromisoformat(str(token))
        except ValueError:
            raise _Rejected(MALFORMED_QUERY, _at(token), f"invalid datetime: {token}") from None
        return nodes.DateTimeValue(moment.astimezone(dt.UTC), _at(token))

    def null(self, children: list[Token]) -> nodes.NullValue:
        return nodes.NullValue(_at(children[0]))

    def true(self, children: list[Token]) -> nodes.BooleanValue:
        return nodes.BooleanValue(True, _at(children[0]))

    def false(self, children: list[Token]) -> nodes.BooleanValue:
        return nodes.BooleanValue(False, _at(children[0]))

    def date_literal(self, children: list[Token | None]) -> nodes.DateLiteral:
        name_token, n_token = children
        assert name_token is not None
        name = str(name_token).upper()
        if not is_date_literal(name, has_n=n_token is not None):
            if needs_n(name):
                detail = f"Invalid date literal: {name_token} requires a number, e.g. {name}:7"
            else:
                detail = f"unexpected token: '{name_token}'"
            raise _Rejected(MALFORMED_QUERY, _at(name_token), detail)
        n = int(n_token) if n_token is not None else None
        return nodes.DateLiteral(name, n, _at(name_token))
