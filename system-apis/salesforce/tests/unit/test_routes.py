"""The HTTP surface over the in-memory CRM: shapes, paging, problems and service auth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
import pytest_asyncio
import redis.asyncio

from salesforce_system.adapters.fake import FakeAccountChanges, FakeAccountSync, FakeCrm
from salesforce_system.bootstrap import SalesforceSystem
from salesforce_system.domain.models import (
    AccountCreate,
    ContactRead,
    OpportunityRead,
    QuoteRead,
)
from salesforce_system.domain.sync_models import ChangeType
from salesforce_system.main import create_app
from salesforce_system.settings import SalesforceSystemSettings
from trivium.composition import install
from trivium.idempotency import IdempotencyStore
from trivium_testing.apps import app_client
from trivium_testing.keys import session_keys

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def crm() -> FakeCrm:
    return FakeCrm()


@pytest_asyncio.fixture
async def account_changes() -> FakeAccountChanges:
    return FakeAccountChanges()


@pytest_asyncio.fixture
async def client(
    crm: FakeCrm,
    account_changes: FakeAccountChanges,
    redis_client: redis.asyncio.Redis,
    redis_url: str,
) -> AsyncIterator[httpx.AsyncClient]:
    settings = SalesforceSystemSettings(
        redis_url=redis_url,
        **session_keys().settings("salesforce-system"),
        log_format="text",
        budget_floor=500,
    )
    app = create_app(settings)
    container = SalesforceSystem(
        settings=settings,
        crm=crm,
        account_changes=account_changes,
        account_sync=FakeAccountSync(),
        idempotency=IdempotencyStore(redis_client, service="salesforce-system"),
        readiness={},
    )
    install(app, container)
    headers = session_keys().authorization("quote-to-order", "salesforce-system")
    async with app_client(app, headers=headers) as client:
        yield client


async def seed_accounts(crm: FakeCrm, count: int) -> list[str]:
    ids = []
    for number in range(count):
        account = await crm.create_account(
            AccountCreate(name=f"Account {number:02d}", erp_customer_number=f"{1000000 + number}")
        )
        ids.append(account.id)
    return ids


class TestServiceAuth:
    @pytest.mark.parametrize("path", ["/accounts", "/system"])
    async def test_call_without_service_token_is_401(
        self, client: httpx.AsyncClient, path: str
    ) -> None:
        response = await client.get(path, headers={"Authorization": ""})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_health_needs_no_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz", headers={"Authorization": ""})
        assert response.status_code == 200


class TestSearchAccounts:
    async def test_pages_follow_the_cursor_without_gaps(
        self, client: httpx.AsyncClient, crm: FakeCrm
    ) -> None:
        ids = await seed_accounts(crm, 5)
        seen, cursor = [], None
        while True:
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/accounts", params=params)).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["nextCursor"]
            if cursor is None:
                break
        assert seen == sorted(ids)

    async def test_rows_are_camel_case_without_vendor_fields(
        self, client: httpx.AsyncClient, crm: FakeCrm
    ) -> None:
        await seed_accounts(crm, 1)
        item = (await client.get("/accounts", params={"name": "account"})).json()["items"][0]
        assert item["erpCustomerNumber"] == "1000000"
        assert not any("__c" in key or key == "attributes" for key in item)

    async def test_forged_cursor_is_400(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/accounts", params={"cursor": "!!not-ours!!"})
        assert response.status_code == 400
        assert response.json()["type"].endswith("/invalid-cursor")

    async def test_limit_out_of_range_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/accounts", params={"limit": "0"})
        assert response.status_code == 422

    async def test_owner_username_finds_the_owners_accounts_only(
        self, client: httpx.AsyncClient, crm: FakeCrm
    ) -> None:
        crm.usernames["005000000000002AAA"] = "rep@example.com"
        mine = await crm.create_account(AccountCreate(name="Mine", owner_id="005000000000002AAA"))
        await crm.create_account(AccountCreate(name="Theirs", owner_id="005000000000003AAA"))
        page = await client.get("/accounts", params={"ownerUsername": "rep@example.com"})
        assert [item["id"] for item in page.json()["items"]] == [mine.id]


class TestCreateAccount:
    async def test_created_with_location(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/accounts", json={"name": "Nordwind AG"})
        assert response.status_code == 201
        assert response.headers["location"] == f"/accounts/{response.json()['id']}"

    async def test_repeat_with_idempotency_key_creates_once(
        self, client: httpx.AsyncClient, crm: FakeCrm
    ) -> None:
        headers = {"Idempotency-Key": "create-nordwind-1"}
        first = await client.post("/accounts", json={"name": "Nordwind AG"}, headers=headers)
        second = await client.post("/accounts", json={"name": "Nordwind AG"}, headers=headers)
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"
        assert len(crm.accounts) == 1

    async def test_duplicate_erp_number_is_409(self, client: httpx.AsyncClient) -> None:
        body = {"name": "A", "erpCustomerNumber": "42"}
        assert (await client.post("/accounts", json=body)).status_code == 201
        response = await client.post("/accounts", json=body)
        assert response.status_code == 409
        assert response.json()["type"].endswith("/duplicate-record")

    async def test_unknown_field_is_422_naming_it(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/accounts", json={"name": "A", "Name": "B"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/Name"


class TestUpsertAccount:
    async def test_first_put_creates_then_updates(self, client: httpx.AsyncClient) -> None:
        url = "/accounts/by-erp-customer-number/1000777"
        created = await client.put(url, json={"name": "Erste"})
        updated = await client.put(url, json={"name": "Zweite"})
        assert (created.status_code, updated.status_code) == (201, 200)
        assert created.json()["id"] == updated.json()["id"]
        assert updated.json()["name"] == "Zweite"


class TestDeleteAccount:
    async def test_deleted_then_gone(self, client: httpx.AsyncClient) -> None:
        account_id = (await client.post("/accounts", json={"name": "Kurzlebig AG"})).json()["id"]
        assert (await client.delete(f"/accounts/{account_id}")).status_code == 204
        assert (await client.get(f"/accounts/{account_id}")).status_code == 404

    async def test_unknown_account_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/accounts/001000000000000AAA")
        assert response.status_code == 404
        assert response.json()["type"].endswith("/record-not-found")


class TestContacts:
    async def test_contacts_of_unknown_account_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/accounts/001000000000999AAA/contacts")
        assert response.status_code == 404

    async def test_contacts_are_listed(self, client: httpx.AsyncClient, crm: FakeCrm) -> None:
        [account_id] = await seed_accounts(crm, 1)
        crm.contacts[account_id] = [
            ContactRead(id="003000000000001AAA", account_id=account_id, last_name="Muster")
        ]
        page = (await client.get(f"/accounts/{account_id}/contacts")).json()
        assert page["items"][0]["lastName"] == "Muster"


class TestAccountOverview:
    async def test_unknown_account_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/accounts/001000000000999AAA/overview")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"

    async def test_account_owner_contacts_and_opportunities_within_limits(
        self, client: httpx.AsyncClient, crm: FakeCrm
    ) -> None:
        crm.usernames["005000000000002AAA"] = "rep@example.com"
        account = await crm.create_account(
            AccountCreate(name="Overview AG", owner_id="005000000000002AAA")
        )
        crm.contacts[account.id] = [
            ContactRead(id=f"00300000000000{n}AAA", account_id=account.id, last_name=name)
            for n, name in enumerate(["Zeller", "Adam", "Meier"])
        ]
        crm.opportunities[account.id] = [
            OpportunityRead(id="006000000000001AAA", name="Pumps", stage="Prospecting")
        ]
        response = await client.get(
            f"/accounts/{account.id}/overview", params={"contactLimit": "2"}
        )
        assert response.status_code == 200
        overview = response.json()
        assert overview["account"]["name"] == "Overview AG"
        assert overview["ownerUsername"] == "rep@example.com"
        assert [c["lastName"] for c in overview["contacts"]] == ["Adam", "Meier"]
        assert [o["name"] for o in overview["openOpportunities"]] == ["Pumps"]

    async def test_limit_out_of_range_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get(
            "/accounts/001000000000001AAA/overview", params={"opportunityLimit": "51"}
        )
        assert response.status_code == 422


class TestOrders:
    async def test_order_is_created_priced_and_readable(
        self, client: httpx.AsyncClient, crm: FakeCrm
    ) -> None:
        [account_id] = await seed_accounts(crm, 1)
        crm.prices["MAT-0001"] = Decimal("12.50")
        body = {
            "accountId": account_id,
            "effectiveDate": "2026-11-28",
            "purchaseOrderNumber": "PO-1",
            "items": [{"sku": "MAT-0001", "quantity": "4"}],
        }
        created = await client.post("/orders", json=body)
        assert created.status_code == 201
        order = created.json()
        assert order["status"] == "Activated"
        assert order["total"] == {"amount": "50.00", "currency": "EUR"}
        fetched = await client.get(created.headers["location"])
        assert fetched.json() == order

    async def test_order_marks_its_quote_and_opportunity(
        self, client: httpx.AsyncClient, crm: FakeCrm
    ) -> None:
        [account_id] = await seed_accounts(crm, 1)
        crm.prices["MAT-0001"] = Decimal("12.50")
        crm.quotes["0Q0000000000001AAA"] = QuoteRead(
            id="0Q0000000000001AAA", name="Q", status="Accepted", lines=[]
        )
        body = {
            "accountId": account_id,
            "effectiveDate": "2026-11-28",
            "quoteId": "0Q0000000000001AAA",
            "opportunityId": "006000000000001AAA",
            "quoteStatus": "Ordered",
            "opportunityStage": "Closed Won",
            "items": [{"sku": "MAT-0001", "quantity": "1"}],
        }
        created = await client.post("/orders", json=body)
        assert created.status_code == 201, created.text
        assert crm.quotes["0Q0000000000001AAA"].status == "Ordered"
        assert crm.opportunity_stages == {"006000000000001AAA": "Closed Won"}

    async def test_a_mark_without_the_record_it_marks_is_422(
        self, client: httpx.AsyncClient
    ) -> None:
        body = {
            "accountId": "001000000000001AAA",
            "effectiveDate": "2026-11-28",
            "opportunityStage": "Closed Won",
            "items": [{"sku": "MAT-0001", "quantity": "1"}],
        }
        response = await client.post("/orders", json=body)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert "opportunityId" in response.text

    async def test_order_without_items_is_422(self, client: httpx.AsyncClient) -> None:
        body = {"accountId": "001000000000001AAA", "effectiveDate": "2026-11-28", "items": []}
        response = await client.post("/orders", json=body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/items"

    async def test_erp_number_is_recorded(self, client: httpx.AsyncClient, crm: FakeCrm) -> None:
        [account_id] = await seed_accounts(crm, 1)
        crm.prices["MAT-0001"] = Decimal("1")
        body = {
            "accountId": account_id,
            "effectiveDate": "2026-11-28",
            "items": [{"sku": "MAT-0001", "quantity": "1"}],
        }
        order_id = (await client.post("/orders", json=body)).json()["id"]
        patched = await client.patch(
            f"/orders/{order_id}", json={"erpOrderNumber": "5000001", "erpStatus": "open"}
        )
        assert patched.json()["erpOrderNumber"] == "5000001"

    async def test_a_repeat_under_another_key_answers_the_order_made_before(
        self, client: httpx.AsyncClient, crm: FakeCrm
    ) -> None:
        [account_id] = await seed_accounts(crm, 1)
        crm.prices["MAT-0001"] = Decimal("1")
        body = erp_numbered_order(account_id)
        first = await client.post("/orders", json=body, headers={"Idempotency-Key": "first"})
        again = await client.post("/orders", json=body, headers={"Idempotency-Key": "again"})
        assert (first.status_code, again.status_code) == (201, 201), again.text
        assert again.json() == first.json()
        assert again.headers["location"] == first.headers["location"]
        assert "idempotent-replayed" not in again.headers
        assert list(crm.orders) == [first.json()["id"]]

    @pytest.mark.parametrize("other", ["account", "quote"])
    async def test_another_order_with_the_erp_order_number_is_409(
        self, client: httpx.AsyncClient, crm: FakeCrm, other: str
    ) -> None:
        account_id, other_account_id = await seed_accounts(crm, 2)
        crm.prices["MAT-0001"] = Decimal("1")
        first = await client.post("/orders", json=erp_numbered_order(account_id))
        assert first.status_code == 201, first.text
        body = erp_numbered_order(account_id)
        if other == "account":
            body["accountId"] = other_account_id
        else:
            body["quoteId"] = "0Q0000000000002AAA"
        refused = await client.post("/orders", json=body)
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("/duplicate-record")
        assert [error["pointer"] for error in refused.json()["errors"]] == ["/erpOrderNumber"]
        assert list(crm.orders) == [first.json()["id"]]


def erp_numbered_order(account_id: str) -> dict[str, object]:
    """An order of one MAT-0001 from a quote, with the ERP order number the ERP gave it."""
    return {
        "accountId": account_id,
        "effectiveDate": "2026-11-28",
        "quoteId": "0Q0000000000001AAA",
        "erpOrderNumber": "5000042",
        "items": [{"sku": "MAT-0001", "quantity": "1"}],
    }


class TestUpsertProducts:
    async def test_refused_below_the_budget_floor(
        self, client: httpx.AsyncClient, crm: FakeCrm
    ) -> None:
        crm.remaining_budget = 499
        response = await client.put("/products", json={"products": [{"sku": "MAT-1", "name": "X"}]})
        assert response.status_code == 503
        assert response.json()["type"].endswith("/crm-api-budget-reserved")
        assert int(response.headers["retry-after"]) > 0

    async def test_report_counts_rows(self, client: httpx.AsyncClient) -> None:
        rows = [{"sku": f"MAT-{n}", "name": f"P{n}"} for n in range(3)]
        response = await client.put("/products", json={"products": rows})
        assert response.status_code == 200
        assert response.json()["succeeded"] == 3


class TestSystem:
    async def test_names_the_org_signed_in_to(
        self, client: httpx.AsyncClient, crm: FakeCrm
    ) -> None:
        crm.system_id = "00D000000000002EAA"

        response = await client.get("/system")

        assert response.status_code == 200
        assert response.json() == {"systemId": "00D000000000002EAA", "kind": "salesforce"}

    async def test_an_org_that_did_not_name_itself_is_null(
        self, client: httpx.AsyncClient, crm: FakeCrm
    ) -> None:
        crm.system_id = None

        response = await client.get("/system")

        assert response.json() == {"systemId": None, "kind": "salesforce"}

    async def test_no_sign_in_is_503(self, client: httpx.AsyncClient, crm: FakeCrm) -> None:
        crm.signed_in = False

        response = await client.get("/system")

        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == "30"
        assert response.json()["type"].endswith("/crm-unavailable")


class TestReadAccountChanges:
    async def test_changes_in_neutral_terms_with_their_positions(
        self, client: httpx.AsyncClient, account_changes: FakeAccountChanges
    ) -> None:
        created = account_changes.record(
            ChangeType.CREATED, ["001000000000001AAA"], values={"name": "Nordwind"}
        )
        resync = account_changes.record(ChangeType.RESYNC, [])

        response = await client.get(
            "/account-changes", params={"position": "earliest", "waitSeconds": 0}
        )

        assert response.status_code == 200
        page = response.json()
        assert [item["changeType"] for item in page["items"]] == ["created", "resync"]
        assert [item["position"] for item in page["items"]] == [created.position, resync.position]
        assert page["position"] == resync.position
        assert "replayId" not in page["items"][0]

    async def test_reading_on_from_a_position(
        self, client: httpx.AsyncClient, account_changes: FakeAccountChanges
    ) -> None:
        start = await client.get("/account-changes", params={"position": "now", "waitSeconds": 0})
        account_changes.record(ChangeType.UPDATED, ["001000000000001AAA"], values={"phone": "1"})

        response = await client.get(
            "/account-changes", params={"position": start.json()["position"], "waitSeconds": 0}
        )

        assert start.json()["items"] == []
        assert [item["values"] for item in response.json()["items"]] == [{"phone": "1"}]

    async def test_a_position_not_issued_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get(
            "/account-changes", params={"position": "latest", "waitSeconds": 0}
        )

        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["pointer"] == "/position"

    async def test_an_overlong_position_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get(
            "/account-changes", params={"position": "a" * 129, "waitSeconds": 0}
        )

        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"

    async def test_a_position_no_longer_held_is_410(
        self, client: httpx.AsyncClient, account_changes: FakeAccountChanges
    ) -> None:
        start = await client.get("/account-changes", params={"position": "now", "waitSeconds": 0})
        account_changes.lose_positions()

        response = await client.get(
            "/account-changes", params={"position": start.json()["position"], "waitSeconds": 0}
        )

        assert response.status_code == 410
        assert response.json()["type"].endswith("/position-unavailable")
