"""A customer the ERP holds and the CRM refuses to link, on the real stack: `needs_attention`
instead of a half customer, the operators' list, and the retry once the cause is fixed."""

from __future__ import annotations

import httpx
import pytest

from trivium_testing.stack import SALESFORCE_DATA_PATH as DATA
from trivium_testing.stack import SystemStack

from .conftest import World, create, new_customer, wait_for_request

pytestmark = pytest.mark.asyncio


class TestRefusedLink:
    async def test_the_request_needs_attention_and_a_retry_after_the_fix_links_it_once(
        self,
        customers: httpx.AsyncClient,
        operator: httpx.AsyncClient,
        world: World,
        system_stack: SystemStack,
    ) -> None:
        body = new_customer()
        word = body["website"].split(".")[1]
        async with system_stack.s4_admin() as s4_admin, system_stack.sf_admin() as sf_admin:
            # The ERP refuses writes for now (reads answer): the account exists, the ERP
            # customer waits for a retry.
            chaos = {"error_rate": 1.0, "methods": ["POST"]}
            (await s4_admin.put("/chaos", json=chaos)).raise_for_status()
            try:
                response = await create(customers, body)
                assert response.status_code == 202, response.text
                request_id = response.json()["requestId"]
                account_id = response.json()["accountId"]
                assert account_id is not None
                # The account is deleted in the CRM before the ERP customer exists: its link
                # will be refused once it does.
                deleted = await world.org.delete(f"{DATA}/sobjects/Account/{account_id}")
                assert deleted.status_code == 204, deleted.text
            finally:
                (await s4_admin.delete("/chaos")).raise_for_status()

            parked = await wait_for_request(customers, request_id, until="needs_attention")
            [partner] = await world.partners_named(word)
            assert parked["erpCustomerNumber"] == partner["BusinessPartner"]
            assert (parked["deadLettered"], parked["compensated"]) == (False, False)
            attention = parked["attention"]
            assert (attention["erpCustomerNumber"], attention["accountId"]) == (
                partner["BusinessPartner"],
                account_id,
            )
            assert attention["actions"] == ["retry-crm"]
            assert attention["reason"]["type"].endswith("/crm-rejected")
            letters = (await operator.get("/dead-letters", params={"limit": 200})).json()
            assert request_id not in [letter["requestId"] for letter in letters["items"]]
            listed = (await operator.get("/needs-attention", params={"limit": 200})).json()
            assert request_id in [row["requestId"] for row in listed["items"]]
            refused = await customers.post(f"/customers/requests/{request_id}/retry-crm")
            assert refused.status_code == 403

            still_gone = await operator.post(f"/customers/requests/{request_id}/retry-crm")
            assert still_gone.status_code == 200, still_gone.text
            assert still_gone.json()["status"] == "needs_attention"

            restored = await sf_admin.post("/undelete", json={"ids": [account_id]})
            assert restored.status_code == 200, restored.text
            assert restored.json()[0]["success"], restored.text
            retried = await operator.post(f"/customers/requests/{request_id}/retry-crm")
            assert retried.status_code == 200, retried.text
            done = retried.json()
            assert (done["status"], done["attention"]) == ("completed", None)

        [account] = await world.accounts_named(word)
        assert (account["Id"], account["ERP_Customer_Number__c"]) == (
            account_id,
            partner["BusinessPartner"],
        )
        assert len(await world.partners_named(word)) == 1
        listed = (await operator.get("/needs-attention", params={"limit": 200})).json()
        assert request_id not in [row["requestId"] for row in listed["items"]]
        again = await operator.post(f"/customers/requests/{request_id}/retry-crm")
        assert again.status_code == 409
        assert again.json()["type"].endswith("/customer-request-not-needing-attention")

    async def test_an_unknown_request_is_not_found(self, operator: httpx.AsyncClient) -> None:
        response = await operator.post("/customers/requests/01J00000000000000000000000/retry-crm")
        assert response.status_code == 404
        assert response.json()["type"].endswith("/customer-request-not-found")
