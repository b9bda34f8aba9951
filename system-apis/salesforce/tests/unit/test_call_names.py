"""Span names of calls to the org: operation and sObject, never ids or values."""

from __future__ import annotations

import httpx
import pytest

from salesforce_system.adapters.salesforce.call_names import queried_object, salesforce_call_name

ORG = "https://trivium.my.salesforce.com"


class TestSalesforceCallName:
    @pytest.mark.parametrize(
        ("method", "url", "name"),
        [
            (
                "GET",
                "/services/data/v62.0/query?q=SELECT+Id,+(SELECT+Id+FROM+QuoteLineItems)+FROM+Quote"
                "+WHERE+Name+=+'from+Account'",
                "salesforce query Quote",
            ),
            ("GET", "/services/data/v62.0/query/01gD0000002HU6KIAW-2000", "salesforce query more"),
            (
                "PATCH",
                "/services/data/v62.0/sobjects/Order/801000000000001AAA",
                "salesforce PATCH Order",
            ),
            ("POST", "/services/data/v62.0/sobjects/Account", "salesforce POST Account"),
            ("POST", "/services/data/v62.0/composite", "salesforce POST composite"),
            (
                "PATCH",
                "/services/data/v62.0/composite/sobjects/Product2/ERP_Material__c",
                "salesforce PATCH composite sobjects Product2",
            ),
            (
                "PUT",
                "/services/data/v62.0/jobs/ingest/750000000000001AAA/batches",
                "salesforce PUT bulk ingest batches",
            ),
            ("GET", "/services/data/v62.0/limits", "salesforce GET limits"),
            ("GET", "/services/data", "salesforce GET"),
            ("POST", "/services/oauth2/token", "salesforce POST oauth2 token"),
            ("GET", "/id/00D000000000001AAA/005000000000001AAA", "salesforce GET identity"),
        ],
    )
    def test_names_the_operation(self, method: str, url: str, name: str) -> None:
        assert salesforce_call_name(httpx.Request(method, ORG + url)) == name


class TestQueriedObject:
    def test_a_subquery_in_the_select_is_not_the_object(self) -> None:
        soql = "SELECT Id, (SELECT Id FROM Contacts), (SELECT Id FROM Opportunities) FROM Account"
        assert queried_object(soql) == "Account"

    def test_a_literal_naming_from_is_not_the_object(self) -> None:
        assert (
            queried_object("SELECT Id FROM Product2 WHERE Name = 'made FROM steel'") == "Product2"
        )

    def test_no_from_clause(self) -> None:
        assert queried_object("SELECT") == "records"
