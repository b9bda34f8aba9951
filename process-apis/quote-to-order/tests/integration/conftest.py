"""The real stack on loopback: both emulators, both System APIs and this service.

The emulators and System APIs start once per session (they cost seconds); this service runs once
for most tests and again, with its own Redis database, for the tests that kill it. Tests keep out
of each other's way with their own quotes, accounts and purchase order numbers; `world` arranges
data in the emulators and reads back what the systems hold.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio

from trivium_testing.integration import OrgRecords, wait_for_status
from trivium_testing.services import RunningService
from trivium_testing.stack import (
    ServiceUnderTest,
    SystemStack,
    service_client,
)
from trivium_testing.stack_fixtures import caller_fixture, stack_service_fixture

ORDERS_DB = 9
RECOVERY_DB = 10
# Short waits (an upstream's Retry-After stretches one to 2 s at most), so that retries, reclaims
# and the watchdog happen within a test; retries go on for a minute, long after a test has ended
# the fault it injected.
FAST_ORDERS = {
    "QUOTE_TO_ORDER_RETRY_DELAYS_SECONDS": "[0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0]",
    "QUOTE_TO_ORDER_RETRY_AFTER_CAP_SECONDS": "2",
    "QUOTE_TO_ORDER_QUEUE_VISIBILITY_TIMEOUT_SECONDS": "2",
    "QUOTE_TO_ORDER_ORDER_LOCK_SECONDS": "1",
    "QUOTE_TO_ORDER_WATCHDOG_SECONDS": "3",
    "QUOTE_TO_ORDER_WAKE_UP_POLL_SECONDS": "0.05",
    # Repeats of a key wait for the first request however slow a loaded machine makes it.
    "QUOTE_TO_ORDER_IDEMPOTENCY_WAIT_SECONDS": "120",
}


@dataclass(frozen=True)
class Stack:
    """The shared system stack, plus how this service is configured against it."""

    system: SystemStack

    def __getattr__(self, name: str) -> Any:
        return getattr(self.system, name)

    def caller_env(self, service: str, *, db: int, **extra: str) -> dict[str, str]:
        """The stack's `caller_env`, with this service's short waits."""
        return self.system.caller_env(service, db=db, **FAST_ORDERS, **extra)

    def orders_env(self, *, db: int, **extra: str) -> dict[str, str]:
        """This service's environment against the stack, on its own Redis database."""
        return self.caller_env("quote-to-order", db=db, **extra)


@pytest.fixture(scope="session")
def stack(system_stack: SystemStack) -> Stack:
    return Stack(system_stack)


# This service with two workers, on its own Redis database.
orders_service = stack_service_fixture(
    "quote-to-order", db=ORDERS_DB, stack="stack", QUOTE_TO_ORDER_WORKERS="2"
)
orders = caller_fixture()


@pytest.fixture
def service_under_test(orders_service: RunningService) -> ServiceUnderTest:
    return ServiceUnderTest(orders_service.url, audience="quote-to-order")


_entries: dict[str, dict[str, str]] = {}
_numbers = itertools.count(1)


class World(OrgRecords):
    """Arranges CRM and ERP data through the emulators and reads back what the systems hold."""

    def __init__(
        self,
        org: httpx.AsyncClient,
        sap: httpx.AsyncClient,
        erp: httpx.AsyncClient,
        sf_admin: httpx.AsyncClient,
        s4_admin: httpx.AsyncClient,
    ) -> None:
        super().__init__(org)
        self.sap = sap
        self.erp = erp
        self.sf_admin = sf_admin
        self.s4_admin = s4_admin

    async def entry(self, sku: str) -> dict[str, str]:
        """The standard price book entry of a sku (`Id`, `Pricebook2Id`)."""
        if not _entries:
            rows = await self.query(
                "SELECT Id, Pricebook2Id, Product2.ERP_Material__c FROM PricebookEntry "
                "WHERE Pricebook2.IsStandard = true"
            )
            for row in rows:
                _entries[row["Product2"]["ERP_Material__c"]] = row
        return _entries[sku]

    async def account_id(self, account_number: str) -> str:
        [row] = await self.query(f"SELECT Id FROM Account WHERE AccountNumber = '{account_number}'")
        account_id: str = row["Id"]
        return account_id

    async def unlinked_account(self) -> str:
        """A new CRM account no ERP customer is linked to; its account number."""
        number = f"IT-{secrets.token_hex(4)}"
        await self.insert(
            "Account", {"Name": f"Integration Prospect {number}", "AccountNumber": number}
        )
        return number

    async def linked_account(self, erp_customer_number: str) -> str:
        """A new CRM account linked to an existing ERP customer."""
        number = next(_numbers)
        return await self.insert(
            "Account",
            {
                "Name": f"Integration Customer {number} {secrets.token_hex(3)}",
                "AccountNumber": f"IT-{secrets.token_hex(4)}",
                "ERP_Customer_Number__c": erp_customer_number,
            },
        )

    async def erp_prices(self, customer_id: str, skus: list[str]) -> dict[str, Decimal]:
        """The customer's prices, as the ERP quotes them."""
        response = await self.erp.post(
            "/sales-orders:simulate",
            json={"customerId": customer_id, "lines": [{"sku": s, "quantity": "1"} for s in skus]},
        )
        response.raise_for_status()
        return {
            line["sku"]: Decimal(line["unitPrice"]["amount"]) for line in response.json()["lines"]
        }

    async def quote(
        self,
        *,
        account_number: str = "P-1002",
        customer_id: str = "1000002",
        lines: list[tuple[str, int]],
        status: str = "Accepted",
        expires: date | None = None,
        discount: Decimal | None = None,
        quoted: dict[str, Decimal] | None = None,
    ) -> str:
        """A quote priced at the customer's ERP prices (first line discounted by `discount`),
        but for the skus `quoted` names, which carry the unit price given there."""
        account_id = await self.account_id(account_number)
        prices = await self.erp_prices(customer_id, [sku for sku, _ in lines])
        prices.update(quoted or {})
        book = (await self.entry(lines[0][0]))["Pricebook2Id"]
        opportunity = await self.insert(
            "Opportunity",
            {
                "Name": f"Integration {next(_numbers)}",
                "AccountId": account_id,
                "StageName": "Negotiation/Review",
                "CloseDate": (date.today() + timedelta(days=30)).isoformat(),
                "Pricebook2Id": book,
            },
        )
        quote_id = await self.insert(
            "Quote",
            {
                "Name": f"Integration quote {next(_numbers)}",
                "OpportunityId": opportunity,
                "Pricebook2Id": book,
                "Status": status,
                "ExpirationDate": (expires or date.today() + timedelta(days=30)).isoformat(),
            },
        )
        for index, (sku, quantity) in enumerate(lines):
            fields: dict[str, Any] = {
                "QuoteId": quote_id,
                "PricebookEntryId": (await self.entry(sku))["Id"],
                "Quantity": quantity,
                "UnitPrice": float(prices[sku]),
            }
            if index == 0 and discount:
                fields["Discount"] = float(discount)
            await self.insert("QuoteLineItem", fields)
        return quote_id

    async def erp_orders(self, reference: str) -> list[dict[str, Any]]:
        """The ERP's sales orders carrying this customer reference."""
        response = await self.sap.get(
            "/API_SALES_ORDER_SRV/A_SalesOrder",
            params={"$filter": f"PurchaseOrderByCustomer eq '{reference}'"},
        )
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()["d"]["results"]
        return rows

    async def crm_orders(self, erp_order_number: str) -> list[dict[str, Any]]:
        """The CRM's orders carrying this ERP order number."""
        return await self.query(
            "SELECT Id, Status, QuoteId, PoNumber, TotalAmount FROM Order "
            f"WHERE ERP_Order_Number__c = '{erp_order_number}'"
        )


@pytest_asyncio.fixture
async def world(stack: Stack) -> AsyncIterator[World]:
    system: SystemStack = stack.system
    async with (
        system.salesforce_org() as org,
        system.sap_odata() as sap,
        service_client(system.erp_system.url, audience="erp-system") as erp,
        system.sf_admin() as sf_admin,
        system.s4_admin() as s4_admin,
    ):
        yield World(org, sap, erp, sf_admin, s4_admin)
        await sf_admin.delete("/chaos")
        await s4_admin.delete("/chaos")


async def place(client: httpx.AsyncClient, body: dict[str, Any], **headers: str) -> httpx.Response:
    """`POST /orders` with `body`, under a new Idempotency-Key unless `headers` name one."""
    headers.setdefault("Idempotency-Key", secrets.token_hex(8))
    return await client.post("/orders", json=body, headers=headers)


async def wait_for_order(
    client: httpx.AsyncClient, order_id: str, *, until: str, within_seconds: float = 30
) -> dict[str, Any]:
    """Poll the order's status resource until it reaches `until`."""
    return await wait_for_status(
        client, f"/orders/{order_id}", until=until, within_seconds=within_seconds
    )


@pytest.fixture
def poll_order() -> Any:
    """`await poll_order(client, order_id, until="completed")`."""
    return wait_for_order
