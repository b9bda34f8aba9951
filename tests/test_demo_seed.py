"""The two emulators' demo seeds describe one company: checked, not hoped for.

A fresh pair of emulators (nothing else has ordered from them yet), both System APIs and
quote-to-order, on a Redis of their own: every accepted demo quote becomes an order, except the
ones seeded to show a refusal, which are refused for exactly that reason; the org's catalog
carries the ERP's prices and stock; the partner accounts are the ERP's customers.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from salesforce_emulator.domain.seed import DEMO_QUOTES, PARTNERS

from trivium_testing.services import RunningService, start_service
from trivium_testing.stack import (
    SALESFORCE_DATA_PATH,
    SystemStack,
    service_client,
    start_private_redis,
    start_system_stack,
)

ORDERS_DB = 1


CatalogRow = tuple[Decimal, Decimal, Decimal]
Catalog = dict[str, CatalogRow]


@dataclass
class SeedStack:
    system: SystemStack
    orders: RunningService
    # Both systems' catalogs as seeded (sku -> list price, CRM copy of it, stock), read before
    # any test orders from them.
    catalogs: tuple[Catalog, Catalog]


@pytest.fixture(scope="module")
def seed_stack(trivium_run_dir: Path) -> Iterator[SeedStack]:
    run_dir = trivium_run_dir / "demo-seed"
    redis = start_private_redis(run_dir / "redis")
    system = start_system_stack(log_dir=run_dir / "logs", redis_url=redis.url)
    try:
        orders = start_service(
            "quote_to_order_process.main:create_app",
            name="quote-to-order",
            log_dir=run_dir / "logs",
            env=system.caller_env("quote-to-order", db=ORDERS_DB),
        )
        yield SeedStack(system, orders, asyncio.run(read_catalogs(system)))
        orders.stop()
    finally:
        system.stop()
        redis.stop()


@pytest_asyncio.fixture
async def org(seed_stack: SeedStack) -> AsyncIterator[httpx.AsyncClient]:
    async with seed_stack.system.salesforce_org() as client:
        yield client


@pytest_asyncio.fixture
async def erp(seed_stack: SeedStack) -> AsyncIterator[httpx.AsyncClient]:
    async with service_client(seed_stack.system.erp_system.url, audience="erp-system") as client:
        yield client


async def query(org: httpx.AsyncClient, soql: str) -> list[dict[str, Any]]:
    response = await org.get(f"{SALESFORCE_DATA_PATH}/query", params={"q": soql})
    response.raise_for_status()
    records: list[dict[str, Any]] = response.json()["records"]
    return records


async def read_catalogs(system: SystemStack) -> tuple[Catalog, Catalog]:
    """(the org's price book and product stock, the ERP's catalog), as rows of one shape."""
    async with (
        system.salesforce_org() as org,
        service_client(system.erp_system.url, audience="erp-system") as erp,
    ):
        rows = await query(
            org,
            "SELECT UnitPrice, Product2.ERP_Material__c, Product2.ERP_List_Price__c, "
            "Product2.Available_Quantity__c FROM PricebookEntry "
            "WHERE Pricebook2.IsStandard = true",
        )
        response = await erp.get("/catalog")
        response.raise_for_status()
    crm = {
        row["Product2"]["ERP_Material__c"]: (
            Decimal(str(row["UnitPrice"])),
            Decimal(str(row["Product2"]["ERP_List_Price__c"])),
            Decimal(str(row["Product2"]["Available_Quantity__c"])),
        )
        for row in rows
    }
    catalog = {}
    for item in response.json()["items"]:
        price = Decimal(item["unitPrice"]["amount"])
        catalog[item["sku"]] = (price, price, Decimal(item["availableQuantity"]))
    return crm, catalog


class TestDemoQuotes:
    @pytest.mark.asyncio
    async def test_each_accepted_quote_is_ordered_or_refused_for_its_reason(
        self, seed_stack: SeedStack, org: httpx.AsyncClient
    ) -> None:
        rows = await query(org, "SELECT Id, Name FROM Quote WHERE Status = 'Accepted'")
        ids = {row["Name"]: row["Id"] for row in rows}
        assert sorted(ids) == [quote.name for quote in DEMO_QUOTES]
        outcomes = {}
        async with service_client(seed_stack.orders.url, audience="quote-to-order") as orders:
            for quote in DEMO_QUOTES:
                response = await orders.post(
                    "/orders",
                    json={"quoteId": ids[quote.name]},
                    headers={"Idempotency-Key": secrets.token_hex(8)},
                )
                body = response.json()
                outcomes[quote.name] = (
                    body["status"]
                    if response.status_code == 201
                    else body["type"].rsplit("/", 1)[-1]
                )
        assert outcomes == {quote.name: quote.refusal or "completed" for quote in DEMO_QUOTES}, (
            "the seeds disagree; see the S/4HANA and Salesforce emulators' domain/seed.py"
        )


class TestDemoCatalog:
    def test_price_book_and_stock_are_the_erps(self, seed_stack: SeedStack) -> None:
        crm, erp = seed_stack.catalogs
        assert crm == erp


class TestDemoAccounts:
    @pytest.mark.asyncio
    async def test_partner_accounts_are_the_erps_customers(
        self, org: httpx.AsyncClient, erp: httpx.AsyncClient
    ) -> None:
        for name, account_number, customer, city, postal, _ in PARTNERS:
            [account] = await query(
                org,
                "SELECT Name, BillingCity, BillingPostalCode, ERP_Credit_Limit__c, "
                "ERP_Payment_Terms__c FROM Account "
                f"WHERE AccountNumber = '{account_number}'",
            )
            response = await erp.get(f"/customers/{customer}/profile")
            response.raise_for_status()
            profile = response.json()
            assert (
                (profile["name"], profile["address"]["city"], profile["address"]["postalCode"])
                == (
                    account["Name"],
                    account["BillingCity"],
                    account["BillingPostalCode"],
                )
                == (name, city, postal)
            )
            assert Decimal(profile["creditLimit"]["amount"]) == Decimal(
                str(account["ERP_Credit_Limit__c"])
            )
            assert profile["paymentTerms"] == account["ERP_Payment_Terms__c"]
