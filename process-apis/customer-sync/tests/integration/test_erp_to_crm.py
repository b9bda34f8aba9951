"""ERP → Salesforce against the running stack: polled customer and order changes."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

import pytest

from trivium_testing.waiting import until

from .conftest import World

pytestmark = pytest.mark.asyncio


class TestCustomerChange:
    async def test_credit_limit_reaches_salesforce(self, world: World) -> None:
        account_id, customer = await world.linked_account()
        limit = Decimal(40_000 + secrets.randbelow(10_000))

        await world.set_credit_limit(customer, limit)

        await world.audited(
            account_id, lambda e: e["after"].get("creditLimit") == f"{limit}.00",
            what="credit limit written to the CRM",
        )  # fmt: skip
        assert await _credit_limit_is(world, account_id, limit)
        [entry] = await world.audit_of(account_id)
        assert (entry["source"], entry["target"], entry["reason"]) == (
            "erp", "salesforce", "erp_change"
        )  # fmt: skip
        assert entry["sourceId"] == customer

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

        await until(synced, what="payment terms and block in the CRM")


class TestSalesOrderChange:
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

        # The poll may have seen the delivery on its own before the billing.
        entry = await world.audited(crm_order, lambda e: e["after"]["erpStatus"] == "Invoiced",
                                    what="invoiced order in the CRM")  # fmt: skip
        assert entry["after"]["invoiceNumber"].startswith("9")
        [order] = await world.query(
            f"SELECT ERP_Status__c, ERP_Invoice_Number__c FROM Order WHERE Id = '{crm_order}'"
        )
        assert order["ERP_Status__c"] == "Invoiced"
        assert order["ERP_Invoice_Number__c"] == entry["after"]["invoiceNumber"]


async def _credit_limit_is(world: World, account_id: str, limit: Decimal) -> bool:
    record = await world.account(account_id, "ERP_Credit_Limit__c")
    value = record["ERP_Credit_Limit__c"]
    return value is not None and Decimal(str(value)) == limit
