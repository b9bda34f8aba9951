"""The SOQL grammar: what it accepts, the tree it builds, and Salesforce's syntax errors."""

from __future__ import annotations

import datetime as dt

import pytest

from salesforce_emulator.soql import SoqlError, parse_soql
from salesforce_emulator.soql import nodes as n

ACCEPTED = [
    "SELECT Id FROM Account",
    "select id, name from account",
    "SeLeCt Id FrOm Account WhErE Name = 'x' OrDeR bY Name LiMiT 1",
    "SELECT Id, Account.Name, Account.Owner.Manager.Manager.Name FROM Contact",
    "SELECT a.Id, a.Name FROM Account a WHERE a.Industry = 'Tech' ORDER BY a.Name",
    "SELECT Id, (SELECT Id, Quantity FROM QuoteLineItems WHERE Quantity > 1 ORDER BY Quantity "
    "DESC LIMIT 5) FROM Quote",
    "SELECT COUNT() FROM Account",
    "SELECT COUNT(Id) FROM Account",
    "SELECT Industry, COUNT(Id) n, SUM(AnnualRevenue), MAX(CreatedDate) FROM Account "
    "GROUP BY Industry HAVING COUNT(Id) > 1 ORDER BY COUNT(Id) DESC",
    "SELECT COUNT_DISTINCT(Industry), AVG(AnnualRevenue), MIN(Name) FROM Account",
    "SELECT FIELDS(ALL) FROM Account LIMIT 200",
    "SELECT FIELDS(STANDARD), (SELECT FIELDS(CUSTOM) FROM Contacts LIMIT 10) FROM Account",
    "SELECT Id FROM Order ORDER BY OrderNumber",
    "SELECT Id FROM Account WHERE Name != 'a' AND Name <> 'b' AND AnnualRevenue < 1 AND "
    "AnnualRevenue <= 2 AND NumberOfEmployees > 3 AND NumberOfEmployees >= 4",
    "SELECT Id FROM Account WHERE Name LIKE 'Ac_e%' OR Name LIKE '100\\%'",
    "SELECT Id FROM Account WHERE Industry IN ('Tech', 'Retail') AND Name NOT IN ('x')",
    "SELECT Id FROM Account WHERE NOT Name = 'x' AND NOT (Industry = null OR Industry = 'y')",
    "SELECT Id FROM Account WHERE ((Name = 'a'))",
    "SELECT Id FROM Account WHERE Active__c = true AND IsDeleted = FALSE AND OwnerId != NULL",
    "SELECT Id FROM Account WHERE AnnualRevenue > -10.5 AND NumberOfEmployees = 1e3",
    "SELECT Id FROM Account WHERE Name = 'O\\'Brien \\\\ \\n \\t \\u00e9'",
    "SELECT Id FROM Account WHERE SLAExpirationDate__c = 2024-01-31",
    "SELECT Id FROM Account WHERE CreatedDate > 2024-01-01T00:00:00Z",
    "SELECT Id FROM Account WHERE CreatedDate > 2024-01-01T00:00:00.123+01:00",
    "SELECT Id FROM Account WHERE CreatedDate = TODAY OR CreatedDate = YESTERDAY OR "
    "CreatedDate = TOMORROW OR CreatedDate = THIS_MONTH OR CreatedDate = LAST_MONTH OR "
    "CreatedDate = THIS_YEAR OR CreatedDate = LAST_90_DAYS",
    "SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:7 AND CreatedDate < NEXT_N_DAYS:3 "
    "AND CreatedDate > N_MONTHS_AGO:2",
    "SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Name LIKE 'A%')",
    "SELECT Id FROM Contact WHERE AccountId NOT IN (SELECT Id FROM Account)",
    "SELECT Id FROM Account ORDER BY Name ASC NULLS LAST, Industry DESC NULLS FIRST, Id",
    "SELECT Id FROM Account LIMIT 10 OFFSET 2000",
    "SELECT Id FROM Account WITH SECURITY_ENFORCED LIMIT 1",
    "SELECT Id FROM Account LIMIT 1 FOR VIEW",
    "SELECT Id\nFROM Account\nWHERE Name = 'multi\nline'",
]


class TestParseSoqlAccepts:
    @pytest.mark.parametrize("soql", ACCEPTED)
    def test_valid_query_parses(self, soql: str) -> None:
        assert isinstance(parse_soql(soql), n.Select)

    def test_fields_and_object(self) -> None:
        query = parse_soql("SELECT Id, Account.Owner.Name FROM Contact c")
        assert query.object_name == "Contact"
        assert query.alias == "c"
        assert query.items == (
            n.FieldPath(("Id",), n.Position(1, 8)),
            n.FieldPath(("Account", "Owner", "Name"), n.Position(1, 12)),
        )

    def test_child_subquery(self) -> None:
        query = parse_soql(
            "SELECT Id, (SELECT Quantity FROM QuoteLineItems WHERE Quantity > 1 LIMIT 2) FROM Quote"
        )
        sub = query.items[1]
        assert isinstance(sub, n.SubQuery)
        assert sub.select.object_name == "QuoteLineItems"
        assert sub.select.limit == 2
        assert isinstance(sub.select.where, n.Comparison)

    def test_functions_and_aliases(self) -> None:
        query = parse_soql("SELECT COUNT(), COUNT(Id) total, fields(all) FROM Account")
        count, count_id, fields = query.items
        assert count == n.FunctionCall("COUNT", None, None, n.Position(1, 8))
        assert isinstance(count_id, n.FunctionCall)
        assert (count_id.argument and count_id.argument.parts, count_id.alias) == (("Id",), "total")
        assert isinstance(fields, n.FunctionCall)
        assert (fields.name, fields.argument and fields.argument.parts) == ("FIELDS", ("ALL",))

    def test_typed_values(self) -> None:
        query = parse_soql(
            "SELECT Id FROM Account WHERE A = 'x' AND B = 5 AND C = -2.5 AND D = true AND "
            "E = null AND F = 2024-02-29 AND G = 2024-01-01T01:00:00+01:00 AND H = LAST_N_DAYS:7"
        )
        assert isinstance(query.where, n.And)
        values = [c.value for c in query.where.operands if isinstance(c, n.Comparison)]
        assert [type(v) for v in values] == [
            n.StringValue,
            n.NumberValue,
            n.NumberValue,
            n.BooleanValue,
            n.NullValue,
            n.DateValue,
            n.DateTimeValue,
            n.DateLiteral,
        ]
        string, five, minus, true, _, day, moment, literal = values
        assert isinstance(string, n.StringValue)
        assert string.value == "x"
        assert isinstance(five, n.NumberValue)
        assert five.value == 5
        assert isinstance(minus, n.NumberValue)
        assert minus.value == -2.5
        assert isinstance(true, n.BooleanValue)
        assert true.value is True
        assert isinstance(day, n.DateValue)
        assert day.value == dt.date(2024, 2, 29)
        assert isinstance(moment, n.DateTimeValue)
        assert moment.value == dt.datetime(2024, 1, 1, 0, 0, tzinfo=dt.UTC)
        assert isinstance(literal, n.DateLiteral)
        assert (literal.name, literal.n) == (
            "LAST_N_DAYS",
            7,
        )

    def test_string_escapes(self) -> None:
        query = parse_soql(r"SELECT Id FROM Account WHERE Name LIKE 'O\'B\\r\n50\%\_x%'")
        assert isinstance(query.where, n.Comparison)
        value = query.where.value
        assert isinstance(value, n.StringValue)
        assert value.value == "O'B\\r\n50%_x%"
        assert value.like_pattern == "O'B\\\\r\n50\\%\\_x%"

    def test_not_equals_spellings(self) -> None:
        query = parse_soql("SELECT Id FROM Account WHERE Name <> 'x'")
        assert isinstance(query.where, n.Comparison)
        assert query.where.operator == "!="

    def test_boolean_structure(self) -> None:
        query = parse_soql("SELECT Id FROM Account WHERE NOT (A = 1 OR B = 2) AND C NOT IN (3)")
        assert isinstance(query.where, n.And)
        negation, membership = query.where.operands
        assert isinstance(negation, n.Not)
        assert isinstance(negation.operand, n.Or)
        assert isinstance(membership, n.InList)
        assert membership.negated

    def test_semi_join(self) -> None:
        query = parse_soql("SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account)")
        assert isinstance(query.where, n.SemiJoin)
        assert query.where.select.object_name == "Account"

    def test_order_limit_offset(self) -> None:
        query = parse_soql(
            "SELECT Id FROM Account ORDER BY Name DESC NULLS FIRST, Id LIMIT 5 OFFSET 3"
        )
        assert [(k.descending, k.nulls_first) for k in query.order_by] == [
            (True, True),
            (False, None),
        ]
        assert (query.limit, query.offset) == (5, 3)

    def test_keyword_named_object(self) -> None:
        query = parse_soql("SELECT Id FROM Order ORDER BY Order.Name")
        assert query.object_name == "Order"
        assert query.order_by[0].target == n.FieldPath(("Order", "Name"), n.Position(1, 31))

    def test_repeated_text_is_cached(self) -> None:
        text = "SELECT Id FROM Account WHERE Name = 'cached'"
        assert parse_soql(text) is parse_soql(text)


REJECTED = [
    ("SELECT Id FORM Account", "unexpected token: 'FORM'"),
    ("SELECT Id, FROM Account", "unexpected token: 'FROM'"),
    ("SELECT FROM Account", "unexpected token: 'FROM'"),
    ("SELECT Id FROM", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Account WHERE", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Account WHERE Name", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Account WHERE A = 1 AND B = 2 OR C = 3", "unexpected token: 'OR'"),
    ('SELECT Id FROM Account WHERE Name = "x"', "no viable alternative at character '\"'"),
    ("SELECT Id FROM Account WHERE Name = 'open", "no viable alternative at character"),
    ("SELECT Id FROM Account WHERE CreatedDate = SOMEDAY", "unexpected token: 'SOMEDAY'"),
    ("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS", "requires a number"),
    ("SELECT Id FROM Account WHERE CreatedDate = TODAY:3", "unexpected token: 'TODAY'"),
    ("SELECT Id FROM Account WHERE Name = 'a\\qb'", "Illegal character sequence '\\q'"),
    ("SELECT Id FROM Account WHERE CloseDate = 2024-02-30", "invalid date"),
    ("SELECT FOO(Id) FROM Account", "Unknown function: FOO"),
    ("SELECT FIELDS(SOME) FROM Account", "unexpected token"),
    ("SELECT SUM() FROM Account", "unexpected token: ')'"),
    ("SELECT Id FROM Account LIMIT 'x'", "unexpected token: ''x''"),
    ("SELECT Id FROM Account LIMIT -1", "unexpected token: '-1'"),
    ("SELECT Id FROM Account ORDER BY Name Descending", "unexpected token: 'Descending'"),
    ("SELECT Id FROM Account WITH SOMETHING", "unexpected token: 'SOMETHING'"),
    ("SELECT Id FROM Account; DELETE FROM Account", "no viable alternative at character ';'"),
    ("SELECT Id FROM Account WHERE Name = 'x' --", "no viable alternative at character '-'"),
    ("SELECT Id FROM Account WHERE 1 = 1", "unexpected token: '1'"),
    ("SELECT * FROM Account", "no viable alternative at character '*'"),
    ("   ", "SOQL statement cannot be empty"),
]


class TestParseSoqlRejects:
    @pytest.mark.parametrize(("soql", "detail"), REJECTED)
    def test_malformed_query(self, soql: str, detail: str) -> None:
        with pytest.raises(SoqlError) as caught:
            parse_soql(soql)
        assert caught.value.error_code == "MALFORMED_QUERY"
        assert detail in caught.value.message

    def test_error_echoes_query_with_caret(self) -> None:
        with pytest.raises(SoqlError) as caught:
            parse_soql("SELECT Id FORM Account")
        assert caught.value.message == (
            "\nSELECT Id FORM Account\n          ^\nERROR at Row:1:Column:11\n"
            "unexpected token: 'FORM'"
        )

    def test_error_on_a_later_line(self) -> None:
        with pytest.raises(SoqlError) as caught:
            parse_soql("SELECT Id\nFROM Account\nWHERE Name = = 'x'")
        assert caught.value.message.startswith(
            "\nWHERE Name = = 'x'\n             ^\nERROR at Row:3:Column:14\n"
        )

    def test_offset_over_2000(self) -> None:
        with pytest.raises(SoqlError) as caught:
            parse_soql("SELECT Id FROM Account LIMIT 10 OFFSET 2001")
        assert caught.value.error_code == "NUMBER_OUTSIDE_VALID_RANGE"
        assert caught.value.message == "Maximum SOQL offset allowed is 2000"
