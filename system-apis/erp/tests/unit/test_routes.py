"""The HTTP surface over the in-memory ERP: shapes, paging, problems, idempotency, service auth."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest
import redis.asyncio

from erp_system.adapters.fake import FakeErp
from erp_system.domain.errors import ErpTimeout
from erp_system.domain.models import InvoiceRead
from trivium.schemas import Money

from .conftest import new_customer, seed_products, unit_locks

pytestmark = pytest.mark.asyncio

ADDRESS = {"street": "Hauptstr. 1", "city": "Berlin", "postalCode": "10115", "country": "DE"}


def order_body(customer_id: str, reference: str = "SF-0001", **extra: object) -> dict[str, object]:
    return {
        "customerId": customer_id,
        "externalReference": reference,
        "lines": [{"sku": "TG000", "quantity": "2"}, {"sku": "TG001", "quantity": "1"}],
        **extra,
    }


class TestServiceAuth:
    async def test_call_without_service_token_is_401(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/customers", headers={"Authorization": ""})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_health_needs_no_token(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/healthz", headers={"Authorization": ""})).status_code == 200


class TestCreateCustomer:
    async def test_created_with_location_and_default_sales_area(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/customers", json={"name": "Acme GmbH", "externalId": "001A", "address": ADDRESS}
        )
        assert response.status_code == 201
        body = response.json()
        assert response.headers["location"] == f"/customers/{body['id']}"
        assert body["salesAreas"][0]["salesOrganization"] == "1010"
        assert body["address"]["postalCode"] == "10115"

    async def test_taken_external_id_is_409_naming_the_customer(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        existing = await erp.create_customer(new_customer(external_id="001A"))
        response = await client.post(
            "/customers", json={"name": "Other", "externalId": "001A", "address": ADDRESS}
        )
        assert response.status_code == 409
        assert response.json()["existingCustomerId"] == existing.id

    async def test_repeat_with_idempotency_key_creates_once(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        body = {"name": "Acme GmbH", "address": ADDRESS}
        headers = {"Idempotency-Key": "create-acme-1"}
        first = await client.post("/customers", json=body, headers=headers)
        second = await client.post("/customers", json=body, headers=headers)
        assert second.json() == first.json()
        assert second.headers["idempotent-replayed"] == "true"
        assert len(erp.customers) == 1

    async def test_over_long_street_is_422_naming_it(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/customers", json={"name": "A", "address": {**ADDRESS, "street": "x" * 61}}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/address/street"


class TestSearchCustomers:
    async def test_pages_follow_the_cursor_without_gaps(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        for number in range(5):
            await erp.create_customer(new_customer(name=f"Customer {number}"))
        seen: list[str] = []
        cursor = None
        for _ in range(3):
            params = {"limit": "2", "name": "customer", **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/customers", params=params)).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["nextCursor"]
        assert seen == sorted(erp.customers)
        assert cursor is None

    async def test_forged_cursor_is_400(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/customers", params={"cursor": "bm90LW91cnM"})
        assert response.status_code == 400
        assert response.json()["type"].endswith("/invalid-cursor")


class TestGetAndUpdateCustomer:
    async def test_unknown_customer_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/customers/999")
        assert response.status_code == 404
        assert response.json()["type"].endswith("/customer-not-found")

    async def test_patch_changes_only_the_fields_sent(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        created = await erp.create_customer(new_customer(external_id="001B"))
        response = await client.patch(f"/customers/{created.id}", json={"blocked": True})
        assert response.status_code == 200
        assert response.json()["blocked"] is True
        assert response.json()["externalId"] == "001B"


class TestCredit:
    async def test_exposure_counts_open_orders_and_says_it_was_derived(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        seed_products(erp, 2)
        customer = await erp.create_customer(new_customer())
        erp.credit_limits[customer.id] = (Decimal("1000"), False)
        await client.post("/sales-orders", json=order_body(customer.id))
        body = (await client.get(f"/customers/{customer.id}/credit")).json()
        assert body == {
            "customerId": customer.id,
            "limit": "1000",
            "exposure": "30.00",
            "available": "970.00",
            "currency": "EUR",
            "blocked": False,
            "exposureSource": "derived",
            "openOrders": "30.00",
            "openInvoices": "0",
        }

    async def test_customer_without_credit_account_is_404(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        customer = await erp.create_customer(new_customer())
        response = await client.get(f"/customers/{customer.id}/credit")
        assert response.status_code == 404
        assert response.json()["type"].endswith("/credit-account-not-found")


class TestProducts:
    async def test_paged_with_prices(self, client: httpx.AsyncClient, erp: FakeErp) -> None:
        seed_products(erp, 3)
        first = (await client.get("/products", params={"limit": "2"})).json()
        assert [item["sku"] for item in first["items"]] == ["TG000", "TG001"]
        assert first["items"][0]["unitPrice"] == {"amount": "10.00", "currency": "EUR"}
        rest = (await client.get("/products", params={"cursor": first["nextCursor"]})).json()
        assert [item["sku"] for item in rest["items"]] == ["TG002"]
        assert rest["nextCursor"] is None

    async def test_unknown_sku_is_404(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/products/NOPE")).status_code == 404


class TestAvailability:
    async def test_many_skus_in_one_backend_call(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        seed_products(erp, 3, stock="7")
        erp.calls = 0
        response = await client.get("/availability", params={"skus": "TG000,TG001,UNKNOWN"})
        items = response.json()["items"]
        assert [(i["sku"], i["quantity"]) for i in items] == [
            ("TG000", "7"),
            ("TG001", "7"),
            ("UNKNOWN", "0"),
        ]
        assert erp.calls == 1

    async def test_post_takes_long_lists(self, client: httpx.AsyncClient, erp: FakeErp) -> None:
        seed_products(erp, 50)
        response = await client.post("/availability", json={"skus": list(erp.products)})
        assert len(response.json()["items"]) == 50

    async def test_bad_or_too_many_skus_are_422(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/availability", params={"skus": "a b"})).status_code == 422
        too_many = ",".join(f"S{n}" for n in range(201))
        assert (await client.get("/availability", params={"skus": too_many})).status_code == 422


class TestPrices:
    async def test_every_sku_once_in_the_order_asked_from_one_backend_call(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        seed_products(erp, 2, price="12.50")
        erp.calls = 0
        response = await client.get(
            "/prices", params={"skus": "TG001,UNKNOWN,TG000,TG001", "customerId": "1000001"}
        )
        assert response.json()["items"] == [
            {"sku": "TG001", "unitPrice": {"amount": "12.50", "currency": "EUR"}},
            {"sku": "UNKNOWN", "unitPrice": None},
            {"sku": "TG000", "unitPrice": {"amount": "12.50", "currency": "EUR"}},
        ]
        assert erp.calls == 1

    async def test_bad_skus_or_customer_are_422(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/prices", params={"skus": "a b"})).status_code == 422
        bad_customer = {"skus": "TG000", "customerId": "10/01"}
        assert (await client.get("/prices", params=bad_customer)).status_code == 422


class TestCreateSalesOrder:
    async def test_repeat_of_the_reference_returns_the_same_order_with_200(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        seed_products(erp, 2)
        customer = await erp.create_customer(new_customer())
        first = await client.post("/sales-orders", json=order_body(customer.id))
        second = await client.post("/sales-orders", json=order_body(customer.id))
        assert (first.status_code, second.status_code) == (201, 200)
        assert second.json()["id"] == first.json()["id"]
        assert second.headers["location"] == f"/sales-orders/{first.json()['id']}"
        assert len(erp.orders) == 1

    async def test_concurrent_creates_of_one_reference_make_one_order(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        seed_products(erp, 2)
        customer = await erp.create_customer(new_customer())
        answers = await asyncio.gather(
            *(client.post("/sales-orders", json=order_body(customer.id)) for _ in range(5))
        )
        assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201]
        assert len({a.json()["id"] for a in answers}) == 1

    async def test_a_reference_another_replica_is_creating_is_409(
        self, client: httpx.AsyncClient, erp: FakeErp, redis_client: redis.asyncio.Redis
    ) -> None:
        seed_products(erp, 2)
        customer = await erp.create_customer(new_customer())
        # The lock as another replica holds it, for longer than this one waits (two seconds).
        key = unit_locks(redis_client).key(f"sales-order:{customer.id}:SF-0001")
        await redis_client.set(key, "another replica", px=60_000)

        response = await client.post("/sales-orders", json=order_body(customer.id))

        assert response.status_code == 409
        assert response.json()["type"].endswith("/creation-in-progress")
        assert response.headers["retry-after"] == "2"
        assert erp.orders == {}

    async def test_timed_out_create_that_happened_is_found_not_repeated(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        seed_products(erp, 2)
        customer = await erp.create_customer(new_customer())

        erp.lost_create_answer = ErpTimeout("The ERP did not answer in time.")
        response = await client.post("/sales-orders", json=order_body(customer.id))
        assert response.status_code == 201
        assert len(erp.orders) == 1

    async def test_failed_create_is_a_problem_when_nothing_was_made(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        customer = await erp.create_customer(new_customer())
        erp.create_failure = ErpTimeout("The ERP did not answer in time.")
        response = await client.post("/sales-orders", json=order_body(customer.id))
        assert response.status_code == 504
        assert response.json()["type"].endswith("/erp-timeout")

    async def test_line_without_quantity_is_422(self, client: httpx.AsyncClient) -> None:
        body = order_body("17100001", lines=[{"sku": "TG000", "quantity": "0"}])
        response = await client.post("/sales-orders", json=body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/lines/0/quantity"


class TestGetAndUpdateSalesOrder:
    async def test_etag_guards_the_update(self, client: httpx.AsyncClient, erp: FakeErp) -> None:
        seed_products(erp, 2)
        customer = await erp.create_customer(new_customer())
        order_id = (await client.post("/sales-orders", json=order_body(customer.id))).json()["id"]
        read = await client.get(f"/sales-orders/{order_id}")
        etag = read.headers["etag"]
        change = {"requestedDeliveryDate": "2030-01-15"}
        updated = await client.patch(
            f"/sales-orders/{order_id}", json=change, headers={"If-Match": etag}
        )
        assert updated.status_code == 200
        assert updated.json()["requestedDeliveryDate"] == "2030-01-15"
        assert updated.headers["etag"] != etag
        stale = await client.patch(
            f"/sales-orders/{order_id}", json=change, headers={"If-Match": etag}
        )
        assert stale.status_code == 412
        assert stale.json()["type"].endswith("/version-mismatch")

    async def test_foreign_if_match_is_400(self, client: httpx.AsyncClient) -> None:
        response = await client.patch("/sales-orders/1", json={}, headers={"If-Match": '"%%%"'})
        assert response.status_code == 400

    async def test_orders_and_open_invoices_of_a_customer(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        seed_products(erp, 2)
        customer = await erp.create_customer(new_customer())
        for reference in ("SF-1", "SF-2"):
            await client.post("/sales-orders", json=order_body(customer.id, reference))
        erp.invoices.append(
            InvoiceRead(
                id="90000001",
                customer_id=customer.id,
                status="open",
                net_amount=Money(amount=Decimal("30"), currency="EUR"),
            )
        )
        orders = (await client.get(f"/customers/{customer.id}/sales-orders")).json()
        assert [o["externalReference"] for o in orders["items"]] == ["SF-2", "SF-1"]
        assert orders["items"][0]["status"] == "open"
        invoices = (await client.get(f"/customers/{customer.id}/invoices")).json()
        assert [i["id"] for i in invoices["items"]] == ["90000001"]


async def simulate(
    client: httpx.AsyncClient,
    erp: FakeErp,
    lines: list[dict[str, str]],
    *,
    stock: str,
    credit: tuple[str, bool] | None = None,
) -> httpx.Response:
    """Simulate `lines` for a new customer with the given credit (limit, blocked), over two
    products TG000 and TG001 at 10.00 each with `stock` on hand."""
    seed_products(erp, 2, price="10.00", stock=stock)
    customer = await erp.create_customer(new_customer())
    if credit is not None:
        erp.credit_limits[customer.id] = (Decimal(credit[0]), credit[1])
    erp.calls = 0
    body = {"customerId": customer.id, "lines": lines}
    return await client.post("/sales-orders:simulate", json=body)


class TestSimulate:
    async def test_prices_stock_and_credit_without_saving(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        lines = [{"sku": "TG000", "quantity": "2"}, {"sku": "TG001", "quantity": "3"}]
        response = await simulate(client, erp, lines, stock="2", credit=("25", False))
        result = response.json()
        assert response.status_code == 200
        assert result["total"] == {"amount": "50.00", "currency": "EUR"}
        assert [line["inStock"] for line in result["lines"]] == [True, False]
        assert (result["priced"], result["inStock"], result["creditOk"]) == (True, False, False)
        assert result["credit"]["available"] == "25"
        assert erp.orders == {}

    async def test_credit_passed_by_the_erp_costs_no_credit_read(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        lines = [
            {"sku": "TG000", "quantity": "2"},
            {"sku": "TG001", "quantity": "1", "unitPrice": "9.50"},
        ]
        result = (await simulate(client, erp, lines, stock="5", credit=("100", False))).json()
        assert [line["listPrice"]["amount"] for line in result["lines"]] == ["10.00", "10.00"]
        assert [line["unitPrice"]["amount"] for line in result["lines"]] == ["10.00", "9.50"]
        assert result["total"]["amount"] == "29.50"
        assert (result["creditOk"], result["credit"]) == (True, None)
        assert erp.calls == 2  # the simulation and the stock

    async def test_failed_credit_check_comes_with_the_accounts_figures(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        lines = [{"sku": "TG000", "quantity": "1"}]
        result = (await simulate(client, erp, lines, stock="5", credit=("15", True))).json()
        assert result["creditOk"] is False
        assert result["credit"] == {
            "limit": "15",
            "exposure": "0",
            "available": "15",
            "currency": "EUR",
            "blocked": True,
            "sufficient": False,
        }

    async def test_sku_the_simulation_refuses_is_read_as_unpriced(
        self, client: httpx.AsyncClient, erp: FakeErp
    ) -> None:
        lines = [{"sku": "TG000", "quantity": "1"}, {"sku": "NOPE", "quantity": "1"}]
        response = await simulate(client, erp, lines, stock="5")
        result = response.json()
        assert response.status_code == 200
        assert [line["listPrice"] for line in result["lines"]] == [
            {"amount": "10.00", "currency": "EUR"},
            None,
        ]
        assert (result["priced"], result["creditOk"], result["credit"]) == (False, False, None)

    async def test_unknown_customer_is_404(self, client: httpx.AsyncClient, erp: FakeErp) -> None:
        seed_products(erp, 1)
        body = {"customerId": "4711", "lines": [{"sku": "TG000", "quantity": "1"}]}
        response = await client.post("/sales-orders:simulate", json=body)
        assert response.status_code == 404
        assert response.json()["type"].endswith("/customer-not-found")
