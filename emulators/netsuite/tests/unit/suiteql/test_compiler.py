"""SuiteQL grammar and compiler: what parses, what it compiles to, and what is refused."""

from __future__ import annotations

import sqlite3

import pytest

from netsuite_emulator.domain.errors import NetSuiteError
from netsuite_emulator.suiteql.compiler import compile_query


def _refused(query: str) -> str:
    with pytest.raises(NetSuiteError) as raised:
        compile_query(query)
    assert raised.value.status == 400
    assert raised.value.code == "INVALID_PARAMETER"
    return raised.value.detail


class TestSelect:
    def test_columns_and_aliases(self) -> None:
        compiled = compile_query("SELECT id, companyname AS name, c.email mail FROM customer c")
        assert compiled.columns == ("id", "name", "mail")
        assert compiled.sql == (
            'SELECT "t0"."id", "t0"."companyname", "t0"."email" FROM "customer" "t0"'
        )

    def test_star_over_a_join(self) -> None:
        compiled = compile_query(
            "SELECT * FROM location l JOIN inventoryitemlocations q ON q.location = l.id"
        )
        assert compiled.columns[:2] == ("id", "name")
        assert "quantityavailable" in compiled.columns

    def test_keywords_any_case(self) -> None:
        assert compile_query("select ID from CUSTOMER where ID = 1").params == (1,)

    def test_functions(self) -> None:
        compiled = compile_query(
            "SELECT BUILTIN.DF(t.entity), UPPER(t.tranid), NVL(t.memo, 'none') FROM transaction t"
        )
        assert compiled.columns == ("expr1", "expr2", "expr3")
        assert 'SELECT "companyname" FROM "customer"' in compiled.sql
        assert compiled.params == ("none",)

    def test_count(self) -> None:
        assert compile_query("SELECT COUNT(*) AS n FROM item").sql.startswith("SELECT COUNT(*)")


class TestWhere:
    def test_operators_become_parameters(self) -> None:
        compiled = compile_query(
            "SELECT id FROM customer WHERE (creditlimit >= 1000 OR email LIKE '%@x.de') "
            "AND NOT isinactive = 'T' AND id IN (1, 2, 3) AND url IS NULL "
            "AND phone IS NOT NULL AND balance BETWEEN 0 AND 5"
        )
        assert compiled.params == (1000, "%@x.de", "T", 1, 2, 3, 0, 5)
        assert "'%@x.de'" not in compiled.sql
        assert 'CAST("t0"."creditlimit" AS NUMERIC) >= ?' in compiled.sql

    def test_to_date(self) -> None:
        compiled = compile_query(
            "SELECT id FROM transaction WHERE lastmodifieddate >= "
            "TO_DATE('2024-05-01 13:45:00', 'YYYY-MM-DD HH24:MI:SS') "
            "AND trandate < TO_DATE('05/31/2024', 'MM/DD/YYYY')"
        )
        assert compiled.params == ("2024-05-01T13:45:00Z", "2024-05-31")

    def test_quotes_inside_strings(self) -> None:
        compiled = compile_query("SELECT id FROM customer WHERE companyname = 'O''Brien'")
        assert compiled.params == ("O'Brien",)

    def test_status_display(self) -> None:
        compiled = compile_query(
            "SELECT id FROM transaction t WHERE BUILTIN.DF(t.status) = 'Sales Order : Billed'"
        )
        assert "Sales Order : Billed" in compiled.params


class TestGroupBy:
    def test_sum_per_item(self) -> None:
        compiled = compile_query(
            "SELECT item, SUM(quantityavailable) AS available FROM inventoryitemlocations "
            "GROUP BY item"
        )
        assert compiled.sql.endswith('GROUP BY "t0"."item"')
        assert compiled.columns == ("item", "available")


class TestOrderBy:
    def test_by_alias_and_column(self) -> None:
        compiled = compile_query("SELECT companyname AS n FROM customer ORDER BY n DESC, id")
        assert compiled.sql.endswith('ORDER BY 1 DESC, CAST("t0"."id" AS NUMERIC)')


class TestRefused:
    def test_unknown_table(self) -> None:
        assert "Record 'vendor' was not found" in _refused("SELECT id FROM vendor")

    def test_unknown_column(self) -> None:
        assert "Field 'foo'" in _refused("SELECT foo FROM customer")

    def test_ambiguous_column(self) -> None:
        _refused("SELECT id FROM customer c JOIN transaction t ON t.entity = c.id")

    def test_syntax_error(self) -> None:
        assert "Syntax error" in _refused("SELECT FROM customer")

    def test_statements_other_than_select(self) -> None:
        _refused("DELETE FROM customer")
        _refused("SELECT id FROM customer; DROP TABLE customer")

    def test_unknown_function(self) -> None:
        _refused("SELECT LOAD_EXTENSION('x') FROM customer")

    def test_bad_date(self) -> None:
        _refused("SELECT id FROM transaction WHERE trandate > TO_DATE('2024-13-45', 'YYYY-MM-DD')")


class TestInjection:
    def test_hostile_literal_stays_a_value(self) -> None:
        hostile = "x' OR '1'='1'; DROP TABLE customer; --"
        quoted = hostile.replace("'", "''")
        compiled = compile_query(f"SELECT id FROM customer WHERE companyname = '{quoted}'")
        assert compiled.params == (hostile,)
        assert "DROP" not in compiled.sql
        connection = sqlite3.connect(":memory:")
        connection.execute("CREATE TABLE customer (id INTEGER, companyname TEXT)")
        connection.execute("INSERT INTO customer VALUES (1, 'Acme')")
        assert connection.execute(compiled.sql, compiled.params).fetchall() == []
        assert connection.execute("SELECT COUNT(*) FROM customer").fetchone() == (1,)

    def test_identifiers_come_from_the_catalog_only(self) -> None:
        _refused('SELECT "id" FROM customer')
        _refused("SELECT id FROM customer c WHERE c.id = 1 --")
