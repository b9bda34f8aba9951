"""ERP → Salesforce against the running stack: polled customer and order changes."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

# The `world` fixture's World (conftest.py), which test modules cannot import by name.
World = Any
POLL_SECONDS = 1.0


class TestCustomerChange:
    @pytest.mark.asyncio
    async def test_credit_limit_reaches_salesforce_within_the_poll_interval(
        self, world: World
    ) -> None:
        account_id, customer = await world.linked_account()
        limit = Decimal(40_000 + secrets.randbelow(10_000))

        await world.set_credit_limit(customer, limit)
        took = await world.until(
            lambda: _credit_limit_is(world, account_id, limit), what="credit limit in the CRM"
        )

        # One interval until the next poll at most, plus the poll's own work.
        assert took < POLL_SECONDS * 2
        [entry] = [e for e in await world.audit() if e["entityId"] == account_id]
        assert (entry["source"], entry["target"], entry["reason"]) == (
            "erp", "salesforce", "erp_change"
        )  # fmt: skip
        assert entry["after"]["creditLimit"] == f"{limit}.00"

    @pytest.mark.asyncio
    async def test_payment_terms_and_block_reach_salesforce(self, world: World) -> None:
        account_id, customer = await world.linked_account()
        await world.sap_write(
            "PATCH",
            f"/API_BUSINESS_PARTNER/A_CustomerSalesArea(Customer='{customer}',"
            "SalesOrganization='1010',DistributionChannel='10',Division='00')",
            {"CustomerPaymentTerms": "0002", "OrderIsBlockedForCustomer": "01"},
        )

        async def synced() -> bool:
            record = await world.account(account_id, "ERP_Payment_Terms__c", "ERP_Blocked__c")
            return bool(record["ERP_Payment_Terms__c"] == "0002" and record["ERP_Blocked__c"])

        await world.until(synced, what="payment terms and block in the CRM")


class TestSalesOrderChange:
    @pytest.mark.asyncio
    async def test_delivered_and_billed_order_shows_status_and_invoice(self, world: World) -> None:
        account_id, customer = await world.linked_account()
        reference = f"CS-{secrets.token_hex(4)}"
        created = await world.erp.post(
            "/sales-orders",
            json={"customerId": customer, "externalReference": reference,
                  "lines": [{"sku": "MAT-0002", "quantity": "1"}]},
        )  # fmt: skip
        assert created.status_code == 201, created.text
        erp_order = created.json()["id"]
        crm_order = await world.insert(
            "Order",
            {"AccountId": account_id, "EffectiveDate": date.today().isoformat(),
             "Status": "Draft", "ERP_Order_Number__c": erp_order, "ERP_Status__c": "Created"},
        )  # fmt: skip

        for _ in ("deliver", "bill"):
            moved = await world.s4_admin.post("/lifecycle/advance", json={"salesOrder": erp_order})
            assert moved.status_code == 200, moved.text

        async def invoiced() -> bool:
            [order] = await world.query(
                f"SELECT ERP_Status__c, ERP_Invoice_Number__c FROM Order WHERE Id = '{crm_order}'"
            )
            return bool(order["ERP_Status__c"] == "Invoiced" and order["ERP_Invoice_Number__c"])

        await world.until(invoiced, what="invoiced order in the CRM")
        # Newest first: the poll may have seen the delivery on its own before the billing.
        entry = next(e for e in await world.audit() if e["entityId"] == crm_order)
        assert entry["after"]["erpStatus"] == "Invoiced"
        assert entry["after"]["invoiceNumber"].startswith("9")


async def _credit_limit_is(world: World, account_id: str, limit: Decimal) -> bool:
    record = await world.account(account_id, "ERP_Credit_Limit__c")
    value = record["ERP_Credit_Limit__c"]
    return value is not None and Decimal(str(value)) == limit
