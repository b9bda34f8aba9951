"""execute_soql over real SQLite tables: record shape, relationships, paging clauses, aggregates."""

from __future__ import annotations

import sqlite3

import pytest

from salesforce_emulator.soql import SoqlError, execute_soql

from .factory import Org, make_id

URL = "/services/data/v62.0/sobjects"


def _error(org: Org, soql: str) -> SoqlError:
    with pytest.raises(SoqlError) as caught:
        org.query(soql)
    return caught.value


class TestRecordShape:
    def test_attributes_then_fields_in_select_order(self, org: Org) -> None:
        account = org.insert("Account", Name="Acme", Industry="Tech", AccountNumber="A-1")

        result = org.query("SELECT Industry, Id, Name FROM Account")

        assert result.object_name == "Account"
        assert result.total_size == 1
        assert list(result.records[0].items()) == [
            ("attributes", {"type": "Account", "url": f"{URL}/Account/{account}"}),
            ("Industry", "Tech"),
            ("Id", account),
            ("Name", "Acme"),
        ]

    def test_names_come_back_in_canonical_case(self, org: Org) -> None:
        org.insert("Account", Name="Acme")

        record = org.query("select NAME, accountnumber from ACCOUNT").records[0]

        assert list(record) == ["attributes", "Name", "AccountNumber"]

    def test_values_are_decoded_from_storage(self, org: Org) -> None:
        org.insert(
            "Account",
            Name="Acme",
            AnnualRevenue=1200,
            NumberOfEmployees=12,
            Active__c=True,
            SLAExpirationDate__c="2024-12-31",
        )

        record = org.query(
            "SELECT AnnualRevenue, NumberOfEmployees, Active__c, SLAExpirationDate__c, "
            "CreatedDate, Industry FROM Account"
        ).records[0]

        assert record["AnnualRevenue"] == 1200.0
        assert isinstance(record["AnnualRevenue"], float)
        assert record["NumberOfEmployees"] == 12
        assert record["Active__c"] is True
        assert record["SLAExpirationDate__c"] == "2024-12-31"
        assert record["CreatedDate"] == "2024-04-15T12:00:00.000+0000"
        assert record["Industry"] is None

    def test_api_version_in_urls(self, org: Org) -> None:
        account = org.insert("Account", Name="Acme")

        result = execute_soql(org.conn, org.catalog, "SELECT Id FROM Account", api_version="v59.0")

        url = result.records[0]["attributes"]["url"]
        assert url == f"/services/data/v59.0/sobjects/Account/{account}"

    def test_unknown_object(self, org: Org) -> None:
        error = _error(org, "SELECT Id FROM Foo")

        assert error.error_code == "INVALID_TYPE"
        assert "sObject type 'Foo' is not supported." in error.message

    def test_unknown_field_has_salesforce_message(self, org: Org) -> None:
        error = _error(org, "SELECT Id, Nmae FROM Account")

        assert error.error_code == "INVALID_FIELD"
        assert error.message == (
            "\nSELECT Id, Nmae FROM Account\n           ^\nERROR at Row:1:Column:12\n"
            "No such column 'Nmae' on entity 'Account'. If you are attempting to use a custom "
            "field, be sure to append the '__c' after the custom field name. Please reference "
            "your WSDL or the describe call for the appropriate names."
        )

    def test_duplicate_field(self, org: Org) -> None:
        error = _error(org, "SELECT Id, Name, name FROM Account")

        assert error.error_code == "MALFORMED_QUERY"
        assert "duplicate field selected: name" in error.message

    def test_fields_all_expands_catalog_fields(self, org: Org) -> None:
        org.insert("Account", Name="Acme")

        record = org.query("SELECT Name, FIELDS(ALL) FROM Account LIMIT 200").records[0]

        assert list(record)[1:4] == ["Name", "Id", "IsDeleted"]
        assert "ERP_Customer_Number__c" in record

    def test_fields_standard_and_custom(self, org: Org) -> None:
        org.insert("Account", Name="Acme")

        standard = org.query("SELECT FIELDS(STANDARD) FROM Account").records[0]
        custom = org.query("SELECT FIELDS(CUSTOM) FROM Account LIMIT 1").records[0]

        assert "Name" in standard
        assert "Active__c" not in standard
        assert list(custom) == [
            "attributes",
            "Active__c",
            "SLAExpirationDate__c",
            "ERP_Customer_Number__c",
        ]

    def test_fields_all_needs_a_limit(self, org: Org) -> None:
        error = _error(org, "SELECT FIELDS(ALL) FROM Account")

        assert error.error_code == "MALFORMED_QUERY"
        assert "must have a LIMIT of at most 200" in error.message


class TestParentRelationships:
    def test_parent_fields_nest_with_attributes(self, org: Org) -> None:
        boss = org.insert("User", Name="Boss")
        account = org.insert("Account", Name="Acme", Industry="Tech", OwnerId=boss)
        org.insert("Contact", LastName="Smith", AccountId=account)

        record = org.query(
            "SELECT LastName, Account.Name, Account.Owner.Name, Account.Industry FROM Contact"
        ).records[0]

        assert record["Account"] == {
            "attributes": {"type": "Account", "url": f"{URL}/Account/{account}"},
            "Name": "Acme",
            "Owner": {"attributes": {"type": "User", "url": f"{URL}/User/{boss}"}, "Name": "Boss"},
            "Industry": "Tech",
        }
        assert list(record) == ["attributes", "LastName", "Account"]

    def test_empty_lookup_is_null(self, org: Org) -> None:
        org.insert("Contact", LastName="Orphan")
        account = org.insert("Account", Name="No owner")
        org.insert("Contact", LastName="Smith", AccountId=account)

        records = org.query(
            "SELECT LastName, Account.Name, Account.Owner.Name FROM Contact ORDER BY LastName"
        ).records

        assert records[0]["Account"] is None
        assert records[1]["Account"]["Owner"] is None

    def test_five_levels_of_parents(self, org: Org) -> None:
        top = org.insert("User", Name="Top")
        chain = top
        for name in ("L4", "L3", "L2", "L1"):
            chain = org.insert("User", Name=name, ManagerId=chain)
        org.insert("Account", Name="Acme", OwnerId=chain)

        record = org.query(
            "SELECT Owner.Manager.Manager.Manager.Manager.Name FROM Account"
        ).records[0]

        owner = record["Owner"]
        for _ in range(4):
            owner = owner["Manager"]
        assert owner["Name"] == "Top"

    def test_more_than_five_levels(self, org: Org) -> None:
        error = _error(
            org, "SELECT Owner.Manager.Manager.Manager.Manager.Manager.Name FROM Account"
        )

        assert error.error_code == "MALFORMED_QUERY"

    def test_unknown_relationship(self, org: Org) -> None:
        error = _error(org, "SELECT Acount.Name FROM Contact")

        assert error.error_code == "INVALID_FIELD"
        assert "Didn't understand relationship 'Acount' in field path." in error.message

    def test_unknown_parent_field(self, org: Org) -> None:
        error = _error(org, "SELECT Account.Nmae FROM Contact")

        assert error.error_code == "INVALID_FIELD"
        assert "No such column 'Nmae' on entity 'Account'." in error.message

    def test_parent_field_in_where_and_order_by(self, org: Org) -> None:
        acme = org.insert("Account", Name="Acme")
        zeta = org.insert("Account", Name="Zeta")
        org.insert("Contact", LastName="A", AccountId=zeta)
        org.insert("Contact", LastName="B", AccountId=acme)
        org.insert("Contact", LastName="C")

        names = org.values(
            "SELECT LastName FROM Contact WHERE Account.Name != 'nobody' "
            "ORDER BY Account.Name DESC NULLS LAST",
            "LastName",
        )

        assert names == ["A", "B", "C"]

    def test_alias_prefix(self, org: Org) -> None:
        org.insert("Account", Name="Acme")

        record = org.query("SELECT a.Name FROM Account a WHERE a.Name = 'Acme'").records[0]

        assert record["Name"] == "Acme"


class TestChildSubqueries:
    def _quote_with_lines(self, org: Org) -> str:
        product = org.insert("Product2", Name="Widget", ProductCode="SKU-1")
        quote = org.insert("Quote", Name="Q-1")
        for quantity in (3.0, 1.0, 2.0):
            org.insert("QuoteLineItem", QuoteId=quote, Product2Id=product, Quantity=quantity)
        return quote

    def test_children_nest_as_query_result(self, org: Org) -> None:
        quote = self._quote_with_lines(org)
        org.insert("Quote", Name="Q-2")

        records = org.query(
            "SELECT Name, (SELECT Quantity, Product2.ProductCode FROM QuoteLineItems "
            "ORDER BY Quantity) FROM Quote ORDER BY Name"
        ).records

        lines = records[0]["QuoteLineItems"]
        assert (lines["totalSize"], lines["done"]) == (3, True)
        assert [line["Quantity"] for line in lines["records"]] == [1.0, 2.0, 3.0]
        assert lines["records"][0]["attributes"]["type"] == "QuoteLineItem"
        assert lines["records"][0]["Product2"]["ProductCode"] == "SKU-1"
        assert records[0]["attributes"]["url"] == f"{URL}/Quote/{quote}"
        assert records[1]["QuoteLineItems"] is None

    def test_where_order_and_limit_apply_per_parent(self, org: Org) -> None:
        self._quote_with_lines(org)
        self._quote_with_lines(org)

        records = org.query(
            "SELECT Id, (SELECT Quantity FROM QuoteLineItems WHERE Quantity > 1 "
            "ORDER BY Quantity DESC LIMIT 1) FROM Quote"
        ).records

        for record in records:
            assert [r["Quantity"] for r in record["QuoteLineItems"]["records"]] == [3.0]

    def test_deleted_children_hidden(self, org: Org) -> None:
        account = org.insert("Account", Name="Acme")
        org.insert("Contact", LastName="Kept", AccountId=account)
        gone = org.insert("Contact", LastName="Gone", AccountId=account)
        org.soft_delete("Contact", gone)

        contacts = org.query("SELECT (SELECT LastName FROM Contacts) FROM Account").records[0]

        assert [c["LastName"] for c in contacts["Contacts"]["records"]] == ["Kept"]

    def test_unknown_child_relationship(self, org: Org) -> None:
        error = _error(org, "SELECT Id, (SELECT Id FROM QuoteLines) FROM Quote")

        assert error.error_code == "INVALID_TYPE"
        assert "Didn't understand relationship 'QuoteLines' in FROM part" in error.message

    def test_nested_children(self, org: Org) -> None:
        opportunity = org.insert("Opportunity", Name="Deal")
        quote = org.insert("Quote", Name="Q-1", OpportunityId=opportunity)
        org.insert("QuoteLineItem", QuoteId=quote, Quantity=5.0)

        record = org.query(
            "SELECT Name, (SELECT Name, (SELECT Quantity FROM QuoteLineItems) FROM Quotes) "
            "FROM Opportunity"
        ).records[0]

        quotes = record["Quotes"]["records"]
        assert quotes[0]["QuoteLineItems"]["records"][0]["Quantity"] == 5.0

    def test_one_query_per_subquery_not_per_parent(self, org: Org) -> None:
        accounts = [(make_id("001", i), f"A{i}") for i in range(3000)]
        org.conn.executemany('INSERT INTO "Account" ("Id", "Name") VALUES (?, ?)', accounts)
        contacts = [(make_id("003", i), f"C{i}", accounts[i % 3000][0]) for i in range(6000)]
        org.conn.executemany(
            'INSERT INTO "Contact" ("Id", "LastName", "AccountId") VALUES (?, ?, ?)', contacts
        )
        statements: list[str] = []
        org.conn.set_trace_callback(statements.append)

        records = org.query("SELECT Id, (SELECT LastName FROM Contacts) FROM Account").records

        assert len(statements) <= 2
        assert all(r["Contacts"]["totalSize"] == 2 for r in records)

    def test_parent_ids_chunked_under_the_variable_limit(self, org: Org) -> None:
        accounts = [(make_id("001", i), f"A{i}") for i in range(1000)]
        org.conn.executemany('INSERT INTO "Account" ("Id", "Name") VALUES (?, ?)', accounts)
        org.conn.executemany(
            'INSERT INTO "Contact" ("Id", "LastName", "AccountId") VALUES (?, ?, ?)',
            [(make_id("003", i), f"C{i}", account) for i, (account, _) in enumerate(accounts)],
        )
        org.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)
        statements: list[str] = []
        org.conn.set_trace_callback(statements.append)

        records = org.query(
            "SELECT Id, (SELECT LastName FROM Contacts WHERE LastName != 'x') FROM Account"
        ).records

        assert len(statements) == 1 + 11  # 1000 ids in chunks of at most 98
        assert [r["Contacts"]["records"][0]["LastName"] for r in records] == [
            f"C{i}" for i in range(1000)
        ]


class TestOrderLimitOffset:
    def test_order_by_is_case_insensitive_and_multi_key(self, org: Org) -> None:
        for name, industry in [("beta", "B"), ("Alpha", "B"), ("gamma", "A")]:
            org.insert("Account", Name=name, Industry=industry)

        names = org.values("SELECT Name FROM Account ORDER BY Industry DESC, Name")

        assert names == ["Alpha", "beta", "gamma"]

    @pytest.mark.parametrize(
        ("order", "expected"),
        [
            ("AnnualRevenue", [None, 1.0, 2.0]),
            ("AnnualRevenue DESC", [2.0, 1.0, None]),
            ("AnnualRevenue ASC NULLS LAST", [1.0, 2.0, None]),
            ("AnnualRevenue DESC NULLS FIRST", [None, 2.0, 1.0]),
        ],
    )
    def test_nulls_placement(self, org: Org, order: str, expected: list[float | None]) -> None:
        for revenue in (2.0, None, 1.0):
            org.insert("Account", Name="x", AnnualRevenue=revenue)

        values = org.values(f"SELECT AnnualRevenue FROM Account ORDER BY {order}", "AnnualRevenue")

        assert values == expected

    def test_limit_and_offset(self, org: Org) -> None:
        for i in range(10):
            org.insert("Account", Name=f"A{i}")

        names = org.values("SELECT Name FROM Account ORDER BY Name LIMIT 3 OFFSET 4")
        tail = org.values("SELECT Name FROM Account ORDER BY Name OFFSET 8")

        assert names == ["A4", "A5", "A6"]
        assert tail == ["A8", "A9"]


class TestDeletedRows:
    def test_hidden_unless_include_deleted(self, org: Org) -> None:
        org.insert("Account", Name="Kept")
        org.soft_delete("Account", org.insert("Account", Name="Gone"))

        assert org.values("SELECT Name FROM Account ORDER BY Name") == ["Kept"]
        assert org.values("SELECT Name FROM Account ORDER BY Name", include_deleted=True) == [
            "Gone",
            "Kept",
        ]
        assert org.query("SELECT COUNT() FROM Account").total_size == 1
        assert org.query("SELECT COUNT() FROM Account", include_deleted=True).total_size == 2

    def test_query_all_can_filter_on_is_deleted(self, org: Org) -> None:
        org.insert("Account", Name="Kept")
        org.soft_delete("Account", org.insert("Account", Name="Gone"))

        names = org.values("SELECT Name FROM Account WHERE IsDeleted = true", include_deleted=True)

        assert names == ["Gone"]


class TestInjection:
    @pytest.mark.parametrize(
        "value",
        [
            "x' OR '1'='1",
            'x"; DROP TABLE Account; --',
            "') OR 1=1 --",
            "x' UNION SELECT name FROM sqlite_master --",
        ],
    )
    def test_hostile_values_are_only_values(self, org: Org, value: str) -> None:
        org.insert("Account", Name="Acme")
        escaped = value.replace("\\", "\\\\").replace("'", "\\'")

        result = org.query(
            f"SELECT Id FROM Account WHERE Name = '{escaped}' OR Name LIKE '{escaped}'"
        )

        assert result.records == []
        assert org.query("SELECT COUNT() FROM Account").total_size == 1

    @pytest.mark.parametrize(
        "soql",
        [
            "SELECT Id FROM Account WHERE Name = 'x' OR 1=1",
            "SELECT Id FROM Account; DROP TABLE Account",
            'SELECT "Id" FROM Account',
            "SELECT Id FROM sqlite_master",
            "SELECT Id FROM Account WHERE Name = 'x' UNION SELECT Id FROM Contact",
            "SELECT Id FROM Account ORDER BY 1",
        ],
    )
    def test_hostile_syntax_is_rejected(self, org: Org, soql: str) -> None:
        error = _error(org, soql)

        assert error.error_code in {"MALFORMED_QUERY", "INVALID_TYPE"}
        assert org.conn.execute('SELECT COUNT(*) FROM "Account"').fetchone() == (0,)


class TestLargeResult:
    # How fast: `make bench` (bench/salesforce_emulator.py queries 50,000 rows over HTTP).
    def test_fifty_thousand_rows(self, org: Org) -> None:
        rows = [(make_id("001", i), f"Account {i}", f"A-{i}") for i in range(50_000)]
        org.conn.executemany(
            'INSERT INTO "Account" ("Id", "Name", "AccountNumber") VALUES (?, ?, ?)', rows
        )

        result = org.query("SELECT Id, Name, AccountNumber FROM Account")

        assert result.total_size == 50_000
        assert result.records[-1]["AccountNumber"] == "A-49999"
