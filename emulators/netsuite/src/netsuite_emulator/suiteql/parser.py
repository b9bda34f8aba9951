"""SuiteQL text → lark tree, with NetSuite's error for what does not parse."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Tree
from lark.exceptions import LarkError, UnexpectedInput

from netsuite_emulator.domain.errors import invalid_query

MAX_QUERY_LENGTH = 100_000


@cache
def _parser() -> Lark:
    grammar = (Path(__file__).parent / "grammar.lark").read_text()
    return Lark(grammar, parser="lalr", maybe_placeholders=True)


def parse(query: str) -> Tree[Any]:
    """The syntax tree of a SuiteQL query; INVALID_PARAMETER when it is not one we serve."""
    if len(query) > MAX_QUERY_LENGTH:
        raise invalid_query(f"The query is longer than {MAX_QUERY_LENGTH} characters.")
    try:
        return _parser().parse(query)
    except UnexpectedInput as error:
        raise invalid_query(
            f"Search error occurred: Syntax error at line {error.line}, column {error.column}."
        ) from None
    except LarkError:
        raise invalid_query("Search error occurred: the query cannot be parsed.") from None
