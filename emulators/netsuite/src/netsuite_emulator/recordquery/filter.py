"""`GET record/v1/{type}?q=…` → a parameterized WHERE clause over the record's table.

Operators by field kind, as NetSuite's REST record filtering names them: text `IS`, `IS_NOT`,
`CONTAIN`, `DOES_NOT_CONTAIN`, `START_WITH`, `END_WITH`, `EMPTY`, `EMPTY_NOT`; numbers
`EQUAL`, `NOT_EQUAL`, `GREATER`, `GREATER_OR_EQUAL`, `LESS`, `LESS_OR_EQUAL`, `BETWEEN`,
`ANY_OF`, `NONE_OF`, `EMPTY`, `EMPTY_NOT`; dates `ON`, `BEFORE`, `AFTER`, `ON_OR_BEFORE`,
`ON_OR_AFTER`, `WITHIN`; booleans `IS`, `IS_NOT`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Literal

from lark import Lark, Token, Tree
from lark.exceptions import LarkError

from netsuite_emulator.domain.errors import NetSuiteError

Kind = Literal["text", "number", "date", "boolean"]
MAX_FILTER_LENGTH = 4_000


@dataclass(frozen=True)
class Field:
    column: str
    kind: Kind


def invalid_filter(detail: str) -> NetSuiteError:
    return NetSuiteError(
        400, "INVALID_PARAMETER", f"Invalid query parameter 'q': {detail}", path="q"
    )


@cache
def _parser() -> Lark:
    return Lark(
        (Path(__file__).parent / "grammar.lark").read_text(), parser="lalr", maybe_placeholders=True
    )


def _date(text: str) -> str:
    """ISO date (or date-time) of a filter value: M/D/YYYY, YYYY-MM-DD or ISO date-time."""
    for pattern, keep_time in (
        ("%m/%d/%Y", False),
        ("%Y-%m-%d", False),
        ("%Y-%m-%dT%H:%M:%SZ", True),
        ("%Y-%m-%dT%H:%M:%S", True),
    ):
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if keep_time else moment.date().isoformat()
    raise invalid_filter(f"'{text}' is not a date.")


def _number(text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise invalid_filter(f"'{text}' is not a number.") from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
        raise invalid_filter(f"'{text}' is not a number in range.")
    return number


TEXT = {
    "IS": "= ?",
    "IS_NOT": "<> ?",
    "CONTAIN": "LIKE ?",
    "DOES_NOT_CONTAIN": "NOT LIKE ?",
    "START_WITH": "LIKE ?",
    "END_WITH": "LIKE ?",
}
NUMBER = {
    "EQUAL": "= ?",
    "NOT_EQUAL": "<> ?",
    "GREATER": "> ?",
    "GREATER_OR_EQUAL": ">= ?",
    "LESS": "< ?",
    "LESS_OR_EQUAL": "<= ?",
}
DATE = {"ON": "= ?", "BEFORE": "< ?", "AFTER": "> ?", "ON_OR_BEFORE": "<= ?", "ON_OR_AFTER": ">= ?"}


def _like(operator: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return {"START_WITH": f"{escaped}%", "END_WITH": f"%{escaped}"}.get(operator, f"%{escaped}%")


def _clause(field: Field, operator: str, values: list[str], params: list[Any]) -> str:
    column = f'"{field.column}"'
    if operator in ("EMPTY", "EMPTY_NOT") and not values:
        return f"({column} IS {'NOT ' if operator == 'EMPTY_NOT' else ''}NULL)"
    if not values:
        raise invalid_filter(f"{operator} needs a value.")
    if field.kind == "text" and operator in TEXT and len(values) == 1:
        if "LIKE" not in TEXT[operator]:
            params.append(values[0])
            return f"({column} {TEXT[operator]})"
        # Searches ignore case in NetSuite, unlike SuiteQL's LIKE.
        params.append(_like(operator, values[0].lower()))
        return f"(LOWER({column}) {TEXT[operator]} ESCAPE '\\')"
    if field.kind == "boolean" and operator in ("IS", "IS_NOT") and len(values) == 1:
        if values[0].lower() not in ("true", "false"):
            raise invalid_filter(f"'{values[0]}' is not true or false.")
        flag = "T" if (values[0].lower() == "true") == (operator == "IS") else "F"
        params.append(flag)
        return f"({column} = ?)"
    if field.kind == "number":
        numeric = f"CAST({column} AS NUMERIC)"
        if operator in NUMBER and len(values) == 1:
            params.append(float(_number(values[0])))
            return f"({numeric} {NUMBER[operator]})"
        if operator in ("ANY_OF", "NONE_OF"):
            params.extend(float(_number(value)) for value in values)
            negation = "NOT " if operator == "NONE_OF" else ""
            return f"({numeric} {negation}IN ({', '.join('?' * len(values))}))"
        if operator == "BETWEEN" and len(values) == 2:
            params.extend(float(_number(value)) for value in values)
            return f"({numeric} BETWEEN ? AND ?)"
    if field.kind == "date":
        # A date compares with the day of a date-time column; a date-time with all of it.
        if operator in DATE and len(values) == 1:
            value = _date(values[0])
            target = f"substr({column}, 1, 10)" if len(value) == 10 else column
            params.append(value)
            return f"({target} {DATE[operator]})"
        if operator == "WITHIN" and len(values) == 2:
            low, high = (_date(value) for value in values)
            params.extend((low, high))
            return f"(substr({column}, 1, {len(low)}) BETWEEN ? AND ?)"
    raise invalid_filter(f"{operator} does not apply to this field with {len(values)} value(s).")


def compile_filter(query: str, fields: dict[str, Field]) -> tuple[str, list[Any]]:
    """The WHERE clause (columns quoted, values as `?`) and its parameters."""
    if len(query) > MAX_FILTER_LENGTH:
        raise invalid_filter("the filter is too long.")
    try:
        tree = _parser().parse(query)
    except LarkError:
        raise invalid_filter("the filter cannot be parsed.") from None
    params: list[Any] = []
    sql = ""
    children: list[Any] = list(tree.children)
    for child in children:
        if isinstance(child, Token):
            sql = f"({sql} {child.value} "
            continue
        assert isinstance(child, Tree)
        name, operator = str(child.children[0]), str(child.children[1])
        values_tree: Tree[Any] | None = child.children[2]
        field = fields.get(name)
        if field is None:
            raise invalid_filter(f"the field '{name}' cannot be filtered on.")
        literals: list[Tree[Any]] = list(values_tree.children) if values_tree else []
        values = [str(value.children[0]).strip('"') for value in literals]
        clause = _clause(field, operator, values, params)
        sql = f"{sql}{clause})" if sql else clause
    return sql, params
