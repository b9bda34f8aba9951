"""The $filter / $orderby / key predicate grammar."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from s4hana_emulator.odata.expressions import (
    Binary,
    Call,
    ExpressionError,
    Literal,
    Member,
    Not,
    OrderItem,
    parse_filter,
    parse_key_predicate,
    parse_orderby,
)


def eq(name: str, value: object, kind: str = "String") -> Binary:
    return Binary("eq", Member((name,)), Literal(kind, value))


class TestParseFilter:
    def test_and_binds_tighter_than_or(self) -> None:
        tree = parse_filter("A eq 'x' or B eq 'y' and C eq 'z'")
        assert tree == Binary("or", eq("A", "x"), Binary("and", eq("B", "y"), eq("C", "z")))

    def test_parentheses_override_precedence(self) -> None:
        tree = parse_filter("(A eq 'x' or B eq 'y') and C eq 'z'")
        assert tree == Binary("and", Binary("or", eq("A", "x"), eq("B", "y")), eq("C", "z"))

    def test_doubled_quote_is_one_quote(self) -> None:
        assert parse_filter("Name eq 'O''Neil'") == eq("Name", "O'Neil")

    def test_empty_string_literal(self) -> None:
        assert parse_filter("InventorySpecialStockType eq ''") == eq(
            "InventorySpecialStockType", ""
        )

    def test_typed_literals(self) -> None:
        tree = parse_filter(
            "D ge datetime'2024-05-01T00:00:00' and T lt datetimeoffset'2024-05-01T10:00:00Z'"
            " and M eq 12.50M and L eq 7L and I eq 3 and X eq 2.5 and B eq true and N eq null"
        )
        literals = []
        node = tree
        while isinstance(node, Binary) and node.op == "and":
            literals.append(node.right.right)  # type: ignore[union-attr]
            node = node.left
        literals.append(node.right)  # type: ignore[union-attr]
        assert list(reversed(literals)) == [
            Literal("DateTime", datetime(2024, 5, 1, tzinfo=UTC)),
            Literal("DateTimeOffset", datetime(2024, 5, 1, 10, tzinfo=UTC)),
            Literal("Decimal", Decimal("12.50")),
            Literal("Int64", 7),
            Literal("Int32", 3),
            Literal("Decimal", Decimal("2.5")),
            Literal("Boolean", True),
            Literal("Null", None),
        ]

    def test_functions_and_not(self) -> None:
        tree = parse_filter("not substringof('ab',Name) and startswith(Name,'C') eq true")
        assert tree == Binary(
            "and",
            Not(Call("substringof", (Literal("String", "ab"), Member(("Name",))))),
            Binary(
                "eq",
                Call("startswith", (Member(("Name",)), Literal("String", "C"))),
                Literal("Boolean", True),
            ),
        )

    def test_keywords_inside_names_are_names(self) -> None:
        assert parse_filter("Division eq '00'") == eq("Division", "00")
        assert parse_filter("andon eq 'x'") == eq("andon", "x")

    def test_navigation_path(self) -> None:
        assert parse_filter("to_Customer/CustomerName eq 'x'") == Binary(
            "eq", Member(("to_Customer", "CustomerName")), Literal("String", "x")
        )

    @pytest.mark.parametrize(
        "text", ["A eq", "A eq 'unterminated", "A eq 'x' and", "(A eq 'x'", "A gte 1", "  "]
    )
    def test_invalid_expressions_are_refused(self, text: str) -> None:
        with pytest.raises(ExpressionError):
            parse_filter(text)


class TestParseKeyPredicate:
    def test_single_key(self) -> None:
        assert parse_key_predicate("('4711')") == [(None, Literal("String", "4711"))]

    def test_compound_key_with_datetime(self) -> None:
        assert parse_key_predicate(
            "(ConditionRecord='1',ConditionValidityEndDate=datetime'9999-12-31T00:00:00')"
        ) == [
            ("ConditionRecord", Literal("String", "1")),
            ("ConditionValidityEndDate", Literal("DateTime", datetime(9999, 12, 31, tzinfo=UTC))),
        ]


class TestParseOrderby:
    def test_directions(self) -> None:
        assert parse_orderby("SalesOrder desc,CreationDate asc,Material") == [
            OrderItem(("SalesOrder",), True),
            OrderItem(("CreationDate",), False),
            OrderItem(("Material",), False),
        ]
