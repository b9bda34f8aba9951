"""The straightforward alternative: simple-salesforce, one REST call per record, as most scripts do.

This is what an integration looks like without a System API that batches: read a quote with three
queries, create an order and then each order item, upsert products one by one. The Salesforce API
calls benchmark runs it against the same emulator as Trivium's System API, so the two are compared
in one run. simple-salesforce is used unchanged; its hard-coded https:// URLs are routed to the
plain-HTTP emulator by a transport adapter.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import requests
from simple_salesforce import Salesforce

DEMO_LOGIN = {
    "username": "integration@trivium.demo",
    "password": "trivium-demo-password",
    "security_token": "TRIVIUMDEMOTOKEN",
}


class ToEmulator(requests.adapters.HTTPAdapter):
    """Sends simple-salesforce's https://<host> calls to the emulator's plain-HTTP address."""

    def __init__(self, base_url: str) -> None:
        super().__init__(pool_maxsize=4)
        self.base_url = base_url

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        request.url = re.sub(r"^https://[^/]+", self.base_url, request.url or "")
        return super().send(request, **kwargs)


def connect(emulator_url: str) -> Salesforce:
    """simple-salesforce signed in to the emulated org with the demo integration user."""
    session = requests.Session()
    session.mount("https://", ToEmulator(emulator_url))
    return Salesforce(session=session, version="62.0", **DEMO_LOGIN)


def read_quote(sf: Salesforce, quote_id: str) -> dict[str, Any]:
    """The quote, its lines and its account: three queries."""
    [quote] = sf.query(
        "SELECT Id, Status, OpportunityId, Opportunity.AccountId FROM Quote "
        f"WHERE Id = '{quote_id}'"
    )["records"]
    lines = sf.query(
        "SELECT Id, Quantity, UnitPrice, PricebookEntryId, Product2.ERP_Material__c "
        f"FROM QuoteLineItem WHERE QuoteId = '{quote_id}'"
    )["records"]
    account_id = quote["Opportunity"]["AccountId"]
    [account] = sf.query(
        f"SELECT Id, Name, ERP_Customer_Number__c FROM Account WHERE Id = '{account_id}'"
    )["records"]
    return {"quote": quote, "lines": lines, "account": account}


def write_order(sf: Salesforce, read: dict[str, Any], *, pricebook_id: str, erp_number: str) -> str:
    """The order, one call per item, its activation, the opportunity won: 3 + items calls."""
    order = sf.Order.create(
        {
            "AccountId": read["account"]["Id"],
            "QuoteId": read["quote"]["Id"],
            "Pricebook2Id": pricebook_id,
            "EffectiveDate": date.today().isoformat(),
            "Status": "Draft",
            "ERP_Order_Number__c": erp_number,
        }
    )
    for line in read["lines"]:
        sf.OrderItem.create(
            {
                "OrderId": order["id"],
                "PricebookEntryId": line["PricebookEntryId"],
                "Quantity": line["Quantity"],
                "UnitPrice": line["UnitPrice"],
            }
        )
    sf.Order.update(order["id"], {"Status": "Activated"})
    sf.Opportunity.update(read["quote"]["OpportunityId"], {"StageName": "Closed Won"})
    order_id: str = order["id"]
    return order_id


def read_account_overview(sf: Salesforce, account_id: str) -> dict[str, Any]:
    """A customer view's CRM part: the account, its contacts, its open opportunities."""
    return {
        "account": sf.Account.get(account_id),
        "contacts": sf.query(
            f"SELECT Id, Name, Email, Phone FROM Contact WHERE AccountId = '{account_id}' LIMIT 5"
        )["records"],
        "opportunities": sf.query(
            "SELECT Id, Name, StageName, Amount, CloseDate FROM Opportunity "
            f"WHERE AccountId = '{account_id}' AND IsClosed = false"
        )["records"],
    }


def upsert_products(sf: Salesforce, products: list[dict[str, Any]]) -> None:
    """One upsert call per product, by the ERP material number."""
    for product in products:
        sf.Product2.upsert(f"ERP_Material__c/{product['sku']}", {"Name": product["name"]})
