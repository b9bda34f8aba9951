"""The `q` filter of record collections: what it compiles to and what it refuses."""

from __future__ import annotations

import pytest

from netsuite_emulator.domain.errors import NetSuiteError
from netsuite_emulator.recordquery.filter import Field, compile_filter

FIELDS = {
    "id": Field("id", "number"),
    "companyName": Field("companyname", "text"),
    "creditLimit": Field("creditlimit", "number"),
    "lastModifiedDate": Field("lastmodifieddate", "date"),
    "isInactive": Field("isinactive", "boolean"),
}


def _refused(query: str) -> None:
    with pytest.raises(NetSuiteError) as raised:
        compile_filter(query, FIELDS)
    assert raised.value.code == "INVALID_PARAMETER"
    assert raised.value.path == "q"


class TestCompileFilter:
    def test_text(self) -> None:
        sql, params = compile_filter('companyName START_WITH "Nord_West"', FIELDS)
        assert sql == "(LOWER(\"companyname\") LIKE ? ESCAPE '\\')"
        assert params == ["nord\\_west%"]

    def test_connectives_left_to_right(self) -> None:
        sql, params = compile_filter(
            'creditLimit GREATER 1000 AND lastModifiedDate ON_OR_AFTER "1/31/2024" '
            "OR isInactive IS true",
            FIELDS,
        )
        assert sql.startswith("(((CAST(")
        assert params == [1000.0, "2024-01-31", "T"]

    def test_lists_and_ranges(self) -> None:
        assert compile_filter("id ANY_OF 1, 2, 3", FIELDS)[1] == [1.0, 2.0, 3.0]
        assert compile_filter("creditLimit BETWEEN 5, 10", FIELDS)[1] == [5.0, 10.0]

    def test_date_time(self) -> None:
        sql, params = compile_filter('lastModifiedDate AFTER "2024-05-01T10:00:00Z"', FIELDS)
        assert sql == '("lastmodifieddate" > ?)'
        assert params == ["2024-05-01T10:00:00Z"]

    def test_empty(self) -> None:
        assert compile_filter("companyName EMPTY_NOT", FIELDS) == (
            '("companyname" IS NOT NULL)',
            [],
        )

    def test_hostile_value_stays_a_parameter(self) -> None:
        sql, params = compile_filter("""companyName IS "x'); DROP TABLE customer; --\"""", FIELDS)
        assert "DROP" not in sql
        assert params == ["x'); DROP TABLE customer; --"]

    @pytest.mark.parametrize(
        "query",
        [
            "unknownField IS x",
            "companyName GREATER 5",
            "creditLimit EQUAL abc",
            "lastModifiedDate ON tomorrow",
            "isInactive IS maybe",
            "creditLimit EQUAL",
            "companyName",
            "companyName IS x AND",
            "x" * 5000,
        ],
    )
    def test_refused(self, query: str) -> None:
        _refused(query)
