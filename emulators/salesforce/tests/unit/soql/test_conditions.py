"""WHERE clauses over real SQLite tables: operators, null logic, types, dates and ids."""

from __future__ import annotations

import datetime as dt

import pytest

from salesforce_emulator.soql import SoqlError
from salesforce_emulator.soql.ids import id_suffix

from .factory import NOW, Org

MIXED_CASE_ID = "001Ab00000XyZ12" + id_suffix("001Ab00000XyZ12")


@pytest.fixture
def accounts(org: Org) -> Org:
    """Five accounts covering nulls, case, numbers and booleans."""
    org.insert("Account", Name="Acme", Industry="Tech", AnnualRevenue=100.0, Active__c=True)
    org.insert("Account", Name="acme east", Industry="Retail", AnnualRevenue=50.0, Active__c=False)
    org.insert("Account", Name="Beta_1", Industry=None, AnnualRevenue=None)
    org.insert("Account", Name="100% Corp", Industry="Tech", NumberOfEmployees=7)
    org.insert("Account", Name="O'Brien", Industry="Retail", NumberOfEmployees=0)
    return org


def _names(org: Org, where: str) -> list[str]:
    return org.values(f"SELECT Name FROM Account WHERE {where} ORDER BY Name")


def _error(org: Org, where: str) -> SoqlError:
    with pytest.raises(SoqlError) as caught:
        org.query(f"SELECT Id FROM Account WHERE {where}")
    return caught.value


class TestComparisons:
    def test_equals_is_case_insensitive(self, accounts: Org) -> None:
        assert _names(accounts, "Name = 'ACME'") == ["Acme"]

    def test_not_equals_includes_nulls(self, accounts: Org) -> None:
        assert _names(accounts, "Industry != 'Tech'") == ["acme east", "Beta_1", "O'Brien"]
        assert _names(accounts, "Industry <> 'Tech'") == ["acme east", "Beta_1", "O'Brien"]

    def test_ordering_operators(self, accounts: Org) -> None:
        assert _names(accounts, "AnnualRevenue > 50") == ["Acme"]
        assert _names(accounts, "AnnualRevenue >= 50") == ["Acme", "acme east"]
        assert _names(accounts, "AnnualRevenue < 100") == ["acme east"]
        assert _names(accounts, "AnnualRevenue <= 100.0") == ["Acme", "acme east"]
        assert _names(accounts, "NumberOfEmployees = 0") == ["O'Brien"]

    def test_null_comparisons(self, accounts: Org) -> None:
        assert _names(accounts, "Industry = null") == ["Beta_1"]
        assert _names(accounts, "AnnualRevenue != NULL") == ["Acme", "acme east"]

    def test_booleans(self, accounts: Org) -> None:
        assert _names(accounts, "Active__c = true") == ["Acme"]
        assert _names(accounts, "Active__c = FALSE") == ["acme east"]
        assert _names(accounts, "Active__c != true") == [
            "100% Corp",
            "acme east",
            "Beta_1",
            "O'Brien",
        ]

    def test_escaped_quote(self, accounts: Org) -> None:
        assert _names(accounts, "Name = 'o\\'brien'") == ["O'Brien"]


class TestLike:
    def test_wildcards_case_insensitive(self, accounts: Org) -> None:
        assert _names(accounts, "Name LIKE 'acme%'") == ["Acme", "acme east"]
        assert _names(accounts, "Name LIKE '%EAST'") == ["acme east"]
        assert _names(accounts, "Name LIKE 'Bet__1'") == ["Beta_1"]

    def test_escaped_wildcards_match_literally(self, accounts: Org) -> None:
        assert _names(accounts, "Name LIKE '100\\%%'") == ["100% Corp"]
        assert _names(accounts, "Name LIKE '%\\_%'") == ["Beta_1"]

    def test_like_on_a_number_field(self, accounts: Org) -> None:
        error = _error(accounts, "AnnualRevenue LIKE '1%'")

        assert error.error_code == "INVALID_QUERY_FILTER_OPERATOR"


class TestInAndLogic:
    def test_in_and_not_in(self, accounts: Org) -> None:
        assert _names(accounts, "Industry IN ('tech', 'Nothing')") == ["100% Corp", "Acme"]
        assert _names(accounts, "Industry NOT IN ('Tech')") == ["acme east", "Beta_1", "O'Brien"]

    def test_in_with_null(self, accounts: Org) -> None:
        assert _names(accounts, "Industry IN (null, 'Retail')") == [
            "acme east",
            "Beta_1",
            "O'Brien",
        ]

    def test_not_is_two_valued(self, accounts: Org) -> None:
        assert _names(accounts, "NOT Industry = 'Tech'") == ["acme east", "Beta_1", "O'Brien"]
        assert _names(accounts, "NOT (AnnualRevenue > 60 OR Industry = 'Retail')") == [
            "100% Corp",
            "Beta_1",
        ]

    def test_and_or_with_parentheses(self, accounts: Org) -> None:
        assert _names(
            accounts, "(Industry = 'Tech' OR Industry = 'Retail') AND Name LIKE 'a%'"
        ) == [
            "Acme",
            "acme east",
        ]
        assert _names(
            accounts, "Industry = 'Tech' AND (Name LIKE 'a%' OR NumberOfEmployees = 7)"
        ) == [
            "100% Corp",
            "Acme",
        ]

    def test_semi_join_and_anti_join(self, accounts: Org) -> None:
        tech = accounts.query("SELECT Id FROM Account WHERE Name = 'Acme'").records[0]["Id"]
        accounts.insert("Contact", LastName="InTech", AccountId=tech)
        accounts.insert("Contact", LastName="Nowhere")

        inside = accounts.values(
            "SELECT LastName FROM Contact WHERE AccountId IN "
            "(SELECT Id FROM Account WHERE Industry = 'Tech')",
            "LastName",
        )
        outside = accounts.values(
            "SELECT LastName FROM Contact WHERE AccountId NOT IN "
            "(SELECT Id FROM Account WHERE Industry = 'Tech')",
            "LastName",
        )

        assert (inside, outside) == (["InTech"], ["Nowhere"])

    def test_semi_join_needs_an_id_field(self, accounts: Org) -> None:
        error = _error(accounts, "Name IN (SELECT Id FROM Contact)")

        assert error.error_code == "INVALID_FIELD"


class TestTypeChecks:
    @pytest.mark.parametrize(
        ("where", "expected"),
        [
            ("Active__c = 'true'", "must be of type boolean and should not be enclosed in quotes"),
            ("SLAExpirationDate__c = '2024-01-01'", "must be of type date and should not be"),
            ("AnnualRevenue = '5'", "must be of type double and should not be enclosed"),
            ("Name = 5", "must be of type string and should be enclosed in quotes"),
            ("CreatedDate = 2024-01-01", "must be of type dateTime"),
            ("SLAExpirationDate__c = 2024-01-01T00:00:00Z", "must be of type date"),
            ("Name = TODAY", "must be of type string"),
        ],
    )
    def test_mismatched_literal(self, accounts: Org, where: str, expected: str) -> None:
        error = _error(accounts, where)

        assert error.error_code == "INVALID_FIELD"
        assert expected in error.message
        assert "ERROR at Row:1:Column:" in error.message

    def test_malformed_id(self, accounts: Org) -> None:
        error = _error(accounts, "Id = 'not-an-id'")

        assert error.error_code == "INVALID_QUERY_FILTER_OPERATOR"
        assert "invalid ID field: not-an-id" in error.message

    def test_aggregate_in_where(self, accounts: Org) -> None:
        assert _error(accounts, "COUNT(Id) > 1").error_code == "MALFORMED_QUERY"


class TestDates:
    @pytest.fixture
    def dated(self, org: Org) -> Org:
        for name, days_ago in [("today", 0), ("yesterday", 1), ("week", 7), ("old", 400)]:
            moment = NOW - dt.timedelta(days=days_ago)
            org.insert("Account", Name=name, CreatedDate=moment, SLAExpirationDate__c=moment.date())
        org.insert(
            "Account",
            Name="future",
            CreatedDate=NOW + dt.timedelta(days=2),
            SLAExpirationDate__c=(NOW + dt.timedelta(days=2)).date(),
        )
        return org

    @pytest.mark.parametrize("field", ["CreatedDate", "SLAExpirationDate__c"])
    @pytest.mark.parametrize(
        ("literal", "expected"),
        [
            ("= TODAY", ["today"]),
            ("= YESTERDAY", ["yesterday"]),
            ("> TODAY", ["future"]),
            ("< TODAY", ["old", "week", "yesterday"]),
            ("<= TODAY", ["old", "today", "week", "yesterday"]),
            ("= LAST_N_DAYS:7", ["today", "week", "yesterday"]),
            ("= LAST_N_DAYS:6", ["today", "yesterday"]),
            ("= NEXT_N_DAYS:2", ["future"]),
            ("= THIS_MONTH", ["future", "today", "week", "yesterday"]),
            ("= LAST_MONTH", []),
            ("= THIS_YEAR", ["future", "today", "week", "yesterday"]),
            ("= LAST_YEAR", ["old"]),
            ("!= TODAY", ["future", "old", "week", "yesterday"]),
            ("IN (TODAY, YESTERDAY)", ["today", "yesterday"]),
        ],
    )
    def test_date_literals(self, dated: Org, field: str, literal: str, expected: list[str]) -> None:
        assert _names(dated, f"{field} {literal}") == expected

    def test_date_value(self, dated: Org) -> None:
        assert _names(dated, "SLAExpirationDate__c = 2024-05-14") == ["yesterday"]
        assert _names(dated, "SLAExpirationDate__c >= 2024-05-15") == ["future", "today"]

    def test_datetime_values_with_offsets(self, dated: Org) -> None:
        assert _names(dated, "CreatedDate >= 2024-05-15T12:00:00Z") == ["future", "today"]
        assert _names(dated, "CreatedDate = 2024-05-15T14:00:00+02:00") == ["today"]
        assert _names(dated, "CreatedDate > 2024-05-15T13:00:00.000+01:00") == ["future"]

    def test_now_drives_relative_literals(self, dated: Org) -> None:
        later = NOW + dt.timedelta(days=2)

        names = dated.values("SELECT Name FROM Account WHERE CreatedDate = TODAY", now=later)

        assert names == ["future"]


class TestIds:
    def test_15_character_id_matches(self, org: Org) -> None:
        account = org.insert("Account", Id=MIXED_CASE_ID, Name="Mixed")
        stored = org.query("SELECT Id FROM Account").records[0]["Id"]

        by_15 = org.values(f"SELECT Name FROM Account WHERE Id = '{stored[:15]}'")
        by_case_mangled_18 = org.values(f"SELECT Name FROM Account WHERE Id = '{stored.lower()}'")
        in_list = org.values(f"SELECT Name FROM Account WHERE Id IN ('{stored[:15]}')")

        assert account == stored
        assert by_15 == by_case_mangled_18 == in_list == ["Mixed"]

    def test_15_character_ids_are_case_sensitive(self, org: Org) -> None:
        stored = org.insert("Account", Id=MIXED_CASE_ID, Name="Mixed")

        assert org.values(f"SELECT Name FROM Account WHERE Id = '{stored[:15].lower()}'") == []

    def test_reference_field(self, org: Org) -> None:
        account = org.insert("Account", Name="Acme")
        org.insert("Contact", LastName="Smith", AccountId=account)

        names = org.values(
            f"SELECT LastName FROM Contact WHERE AccountId = '{account[:15]}'", "LastName"
        )

        assert names == ["Smith"]
