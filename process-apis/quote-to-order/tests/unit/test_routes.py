"""The HTTP surface over the in-memory CRM and ERP: statuses, headers, problems, auth, paging."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio
import redis.asyncio

from quote_to_order_process.adapters.fake import FakeCrm, FakeErp
from quote_to_order_process.bootstrap import QuoteToOrderProcess
from quote_to_order_process.consumers import OrderWorker
from quote_to_order_process.domain.errors import CrmUnavailable
from quote_to_order_process.domain.models import ProgressStatus
from quote_to_order_process.domain.saga import OrderFlow
from quote_to_order_process.main import create_app
from quote_to_order_process.settings import QuoteToOrderSettings
from trivium.composition import install
from trivium.idempotency import IdempotencyStore
from trivium.problems import ErpUnavailable
from trivium.work_queue import WorkQueue
from trivium_testing.keys import session_keys

pytestmark = pytest.mark.asyncio

PROBLEMS = "https://trivium.dev/problems/"

Client = Callable[..., httpx.AsyncClient]


def token(*, roles: list[str] | None = None, issuer: str = "partner-portal-experience") -> str:
    claims = {"roles": roles} if roles else None
    return session_keys().issuer(issuer).token_for("quote-to-order", claims=claims)


@pytest_asyncio.fixture
async def app_client(
    flow: OrderFlow, work_queue: WorkQueue, redis_client: redis.asyncio.Redis
) -> AsyncIterator[Client]:
    settings = QuoteToOrderSettings(
        **session_keys().settings("quote-to-order"), log_format="text", workers=0
    )
    app = create_app(settings)
    idempotency = IdempotencyStore(redis_client, service="quote-to-order", wait_seconds=2)
    install(
        app,
        QuoteToOrderProcess(
            flow=flow,
            work_queue=work_queue,
            idempotency=idempotency,
            readiness={},
            worker_pool=lambda concurrency: OrderWorker(flow, work_queue, concurrency=concurrency),
        ),
    )
    clients: list[httpx.AsyncClient] = []

    def make(*, roles: list[str] | None = None, authorized: bool = True) -> httpx.AsyncClient:
        issuer = "operator" if roles else "partner-portal-experience"
        headers = (
            {"Authorization": f"Bearer {token(roles=roles, issuer=issuer)}"} if authorized else {}
        )
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest_asyncio.fixture
async def client(app_client: Client) -> httpx.AsyncClient:
    return app_client()


async def post_order(
    client: httpx.AsyncClient, body: dict[str, Any], *, key: str = "key-1", **headers: str
) -> httpx.Response:
    return await client.post("/orders", json=body, headers={"Idempotency-Key": key, **headers})


DIRECT = {
    "accountNumber": "P-1001",
    "purchaseOrderNumber": "PO-7",
    "lines": [{"sku": "MAT-0001", "quantity": "3"}],
}


class TestServiceAuth:
    async def test_a_call_without_a_service_token_is_refused(self, app_client: Client) -> None:
        response = await app_client(authorized=False).get("/orders")
        assert response.status_code == 401
        assert response.json()["type"] == PROBLEMS + "unauthorized"


class TestActingRep:
    async def test_the_mobile_api_calling_without_a_rep_is_refused(
        self, app_client: Client, scenario: Any
    ) -> None:
        headers = {"Authorization": f"Bearer {token(issuer='mobile-experience')}"}
        async with app_client(authorized=False) as client:
            ordered = await post_order(client, {"quoteId": scenario.quote()}, **headers)
            listed = await client.get("/orders", headers=headers)

        for response in (ordered, listed):
            assert response.status_code == 403
            assert response.json()["type"] == PROBLEMS + "rep-required"


class TestCreateOrder:
    async def test_an_accepted_quote_answers_201_with_the_order(
        self, client: httpx.AsyncClient, scenario: Any
    ) -> None:
        quote_id = scenario.quote()
        response = await post_order(client, {"quoteId": quote_id})
        assert response.status_code == 201, response.text
        body = response.json()
        assert response.headers["location"] == f"/orders/{body['orderId']}"
        assert body["status"] == "completed"
        assert body["quoteId"] == quote_id
        assert body["erpOrderNumber"] == "1"
        assert body["erpCustomerNumber"] == "1000001"
        assert body["total"] == {"amount": "415.50", "currency": "EUR"}
        assert body["lines"][0] == {
            "sku": "MAT-0001",
            "quantity": "2",
            "unitPrice": {"amount": "42.75", "currency": "EUR"},
            "netAmount": {"amount": "85.50", "currency": "EUR"},
            "discountPercent": "5",
        }

    async def test_respond_async_answers_202_with_the_status_resource(
        self, client: httpx.AsyncClient, scenario: Any
    ) -> None:
        response = await post_order(client, DIRECT, Prefer="respond-async, wait=5")
        assert response.status_code == 202
        assert response.headers["preference-applied"] == "respond-async"
        status = await client.get(response.headers["location"])
        assert status.json()["status"] == "accepted"
        assert status.json()["step"] == "received"

    async def test_an_unavailable_erp_answers_202(
        self, client: httpx.AsyncClient, scenario: Any, erp: FakeErp
    ) -> None:
        erp.fail_next("assess_order", ErpUnavailable("ERP price read: down"))
        response = await post_order(client, DIRECT)
        assert response.status_code == 202
        assert "preference-applied" not in response.headers
        body = response.json()
        assert (body["status"], body["attempts"]) == ("accepted", 1)
        assert body["lastError"]["type"] == PROBLEMS + "erp-unavailable"
        assert body["nextAttemptAt"] is not None

    async def test_a_crm_that_cannot_say_which_org_it_is_answers_503(
        self, client: httpx.AsyncClient, scenario: Any, crm: FakeCrm
    ) -> None:
        unavailable = CrmUnavailable("CRM system read: down", headers={"Retry-After": "30"})
        crm.fail_next("get_system_id", unavailable)
        response = await post_order(client, DIRECT)
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == "30"
        assert response.json()["type"] == PROBLEMS + "crm-unavailable"
        retried = await post_order(client, DIRECT)  # the same key: a 503 is not replayed
        assert retried.status_code == 201

    async def test_the_idempotency_key_is_required(
        self, client: httpx.AsyncClient, scenario: Any
    ) -> None:
        response = await client.post("/orders", json=DIRECT)
        assert response.status_code == 400
        assert response.json()["type"] == PROBLEMS + "idempotency-key-missing"

    async def test_a_repeat_with_the_same_key_replays_the_first_answer(
        self, client: httpx.AsyncClient, scenario: Any, erp: FakeErp, crm: FakeCrm
    ) -> None:
        first = await post_order(client, DIRECT, key="same")
        again = await post_order(client, DIRECT, key="same")
        assert again.status_code == first.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["orderId"] == first.json()["orderId"]
        assert (len(erp.orders), len(crm.orders)) == (1, 1)

    async def test_concurrent_repeats_place_one_order(
        self, client: httpx.AsyncClient, scenario: Any, erp: FakeErp, crm: FakeCrm
    ) -> None:
        answers = await asyncio.gather(*(post_order(client, DIRECT, key="k") for _ in range(10)))
        assert {answer.status_code for answer in answers} == {201}
        assert len({answer.json()["orderId"] for answer in answers}) == 1
        assert (len(erp.orders), len(crm.orders)) == (1, 1)

    @pytest.mark.parametrize("first_prefer", ["respond-async", None])
    async def test_a_repeat_after_the_first_answer_was_lost_goes_on_with_its_order(
        self,
        client: httpx.AsyncClient,
        scenario: Any,
        erp: FakeErp,
        crm: FakeCrm,
        redis_client: redis.asyncio.Redis,
        first_prefer: str | None,
    ) -> None:
        headers = {"Prefer": first_prefer} if first_prefer else {}
        first = await post_order(client, DIRECT, key="lost", **headers)
        # The process that took the request died before it kept its answer: its claim on the
        # key lapsed, and the repeat runs the route again.
        async for key in redis_client.scan_iter(match="trivium:idempotency:quote-to-order:*"):
            await redis_client.delete(key)
        again = await post_order(client, DIRECT, key="lost")
        assert again.status_code == 201
        assert "idempotent-replayed" not in again.headers
        assert again.json()["orderId"] == first.json()["orderId"]
        assert again.json()["status"] == "completed"
        assert (len(erp.orders), len(crm.orders)) == (1, 1)

    async def test_another_key_for_the_same_purchase_order_is_a_duplicate(
        self, client: httpx.AsyncClient, scenario: Any, erp: FakeErp
    ) -> None:
        first = await post_order(client, DIRECT, key="one")
        other = await post_order(client, DIRECT, key="two")
        assert first.status_code == 201
        assert other.status_code == 409
        assert other.json()["type"] == PROBLEMS + "duplicate-purchase-order"
        assert other.json()["orderId"] != first.json()["orderId"]
        assert len(erp.orders) == 1

    async def test_a_business_rejection_is_a_problem_naming_the_rule_and_the_order(
        self, client: httpx.AsyncClient, scenario: Any, erp: FakeErp
    ) -> None:
        erp.customers["1000001"].credit_available = Decimal(10)
        response = await post_order(client, DIRECT)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"] == PROBLEMS + "credit-limit-exceeded"
        assert problem["availableCredit"] == "10"
        order = await client.get(f"/orders/{problem['orderId']}")
        assert order.json()["status"] == "failed"
        assert order.json()["failure"]["type"] == PROBLEMS + "credit-limit-exceeded"

    async def test_a_quote_not_accepted_is_a_conflict(
        self, client: httpx.AsyncClient, scenario: Any
    ) -> None:
        response = await post_order(client, {"quoteId": scenario.quote(status="Draft")})
        assert response.status_code == 409
        assert response.json()["type"] == PROBLEMS + "quote-not-accepted"

    async def test_a_rejected_request_may_be_retried_with_the_same_key(
        self, client: httpx.AsyncClient, scenario: Any, erp: FakeErp
    ) -> None:
        erp.stock["MAT-0001"] = Decimal(0)
        assert (await post_order(client, DIRECT, key="fix")).status_code == 422
        erp.stock["MAT-0001"] = Decimal(10)
        assert (await post_order(client, DIRECT, key="fix")).status_code == 201

    @pytest.mark.parametrize(
        "body",
        [
            {"quoteId": "0Q0A", "lines": [{"sku": "MAT-0001", "quantity": "1"}]},
            {"accountNumber": "P-1001", "lines": [{"sku": "MAT-0001", "quantity": "1"}]},
            {**DIRECT, "accountId": "001A"},
            {**DIRECT, "lines": [{"sku": "MAT 0001", "quantity": "1"}]},
            {"quoteId": "../accounts"},
        ],
    )
    async def test_a_malformed_request_is_a_validation_problem(
        self, client: httpx.AsyncClient, body: dict[str, Any]
    ) -> None:
        response = await post_order(client, body)
        assert response.status_code == 422
        assert response.json()["type"] == PROBLEMS + "validation-failed"

    async def test_a_zero_quantity_is_an_invalid_quantity(self, client: httpx.AsyncClient) -> None:
        body = {**DIRECT, "lines": [{"sku": "MAT-0001", "quantity": "0"}]}
        response = await post_order(client, body)
        assert response.status_code == 422
        assert response.json()["type"] == PROBLEMS + "invalid-quantity"
        assert response.json()["errors"][0]["pointer"] == "/lines/0/quantity"


class TestGetOrder:
    async def test_an_order_shows_the_erps_delivery_and_billing_status(
        self, client: httpx.AsyncClient, scenario: Any, erp: FakeErp
    ) -> None:
        placed = (await post_order(client, {"quoteId": scenario.quote()})).json()
        assert (placed["deliveryStatus"], placed["billingStatus"]) == ("not_started", "not_started")
        [erp_order] = erp.orders.values()
        erp_order.delivery_status = ProgressStatus.PARTIAL
        order = (await client.get(f"/orders/{placed['orderId']}")).json()
        assert (order["deliveryStatus"], order["billingStatus"]) == ("partial", "not_started")

    async def test_an_unknown_order_is_not_found(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/orders/01JZZZZZZZZZZZZZZZZZZZZZZZ")
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEMS + "order-not-found"

    async def test_a_malformed_id_is_a_validation_problem(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/orders/not-an-id")).status_code == 422


class TestListOrders:
    async def test_orders_are_listed_newest_first_by_account_and_status_across_pages(
        self, client: httpx.AsyncClient, scenario: Any, erp: FakeErp
    ) -> None:
        ids = []
        for number in range(5):
            erp.stock["MAT-0001"] = Decimal(0 if number == 2 else 10)
            body = {**DIRECT, "purchaseOrderNumber": f"PO-{number}", "accountNumber": None}
            body["accountId"] = "001000000000001AAA"
            response = await post_order(client, body, key=f"list-{number}")
            ids.append(response.json().get("orderId"))
        completed = [order_id for n, order_id in enumerate(ids) if n != 2][::-1]
        first = await client.get(
            "/orders",
            params={"accountId": "001000000000001AAA", "status": "completed", "limit": 3},
        )
        assert [item["orderId"] for item in first.json()["items"]] == completed[:3]
        cursor = first.json()["nextCursor"]
        second = await client.get(
            "/orders",
            params={"accountId": "001000000000001AAA", "status": "completed", "cursor": cursor},
        )
        assert [item["orderId"] for item in second.json()["items"]] == completed[3:]
        assert second.json()["nextCursor"] is None
        failed = await client.get("/orders", params={"status": "failed"})
        assert [item["orderId"] for item in failed.json()["items"]] == [ids[2]]

    async def test_a_foreign_cursor_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/orders", params={"cursor": "bm9wZQ"})
        assert response.status_code == 400
        assert response.json()["type"] == PROBLEMS + "invalid-cursor"


class TestDeadLetters:
    async def test_dead_letters_need_the_operator_role(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/dead-letters")
        assert response.status_code == 403
        assert response.json()["type"] == PROBLEMS + "caller-not-accepted"

    async def test_an_operator_lists_and_replays_a_parked_order(
        self,
        app_client: Client,
        scenario: Any,
        crm: FakeCrm,
        flow: OrderFlow,
        work_queue: WorkQueue,
    ) -> None:
        operator = app_client(roles=["operator"])
        crm.unorderable_skus.add("MAT-0001")
        placed = await post_order(operator, DIRECT)
        assert placed.status_code == 202
        order_id = placed.json()["orderId"]
        worker = OrderWorker(flow, work_queue, concurrency=1, poll_seconds=0.02)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        try:
            letters: list[dict[str, Any]] = []
            for _ in range(1_500):
                letters = (await operator.get("/dead-letters")).json()["items"]
                if letters:
                    break
                await asyncio.sleep(0.02)
            assert [letter["orderId"] for letter in letters] == [order_id]
            assert letters[0]["errorType"] == "PermanentFailure"
            order = (await operator.get(f"/orders/{order_id}")).json()
            assert (order["status"], order["deadLettered"]) == ("in_erp", True)
            crm.unorderable_skus.clear()
            replay = await operator.post(f"/dead-letters/{letters[0]['id']}/replay")
            assert replay.status_code == 202
            for _ in range(1_500):
                order = (await operator.get(f"/orders/{order_id}")).json()
                if order["status"] == "completed":
                    break
                await asyncio.sleep(0.02)
            assert order["status"] == "completed"
            again = await operator.post(f"/dead-letters/{letters[0]['id']}/replay")
            assert again.status_code == 404
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)


class TestNeedsAttention:
    async def test_the_list_and_the_retry_need_the_operator_role(
        self, client: httpx.AsyncClient
    ) -> None:
        listing = await client.get("/needs-attention")
        retry = await client.post("/orders/01J00000000000000000000000/retry-crm")
        for response in (listing, retry):
            assert response.status_code == 403
            assert response.json()["type"] == PROBLEMS + "caller-not-accepted"

    async def test_an_operator_sees_the_order_and_finishes_it_with_a_crm_retry(
        self, app_client: Client, scenario: Any, crm: FakeCrm
    ) -> None:
        operator = app_client(roles=["operator"])
        crm.refuse_all = "Account: entity is deleted"
        placed = await post_order(operator, DIRECT)
        assert placed.status_code == 202
        order = placed.json()
        assert order["status"] == "needs_attention"
        assert order["attention"]["actions"] == ["retry-crm"]
        assert order["attention"]["erpOrderNumber"] == order["erpOrderNumber"]
        listed = (await operator.get("/needs-attention")).json()
        assert [row["orderId"] for row in listed["items"]] == [order["orderId"]]
        by_status = (await operator.get("/orders", params={"status": "needs_attention"})).json()
        assert [row["orderId"] for row in by_status["items"]] == [order["orderId"]]
        crm.refuse_all = None
        retried = await operator.post(f"/orders/{order['orderId']}/retry-crm")
        assert retried.status_code == 200
        assert (retried.json()["status"], retried.json()["attention"]) == ("completed", None)
        again = await operator.post(f"/orders/{order['orderId']}/retry-crm")
        assert again.status_code == 409
        assert again.json()["type"] == PROBLEMS + "order-not-needing-attention"
        assert (await operator.get("/needs-attention")).json()["items"] == []

    async def test_retrying_an_unknown_order_is_not_found(self, app_client: Client) -> None:
        operator = app_client(roles=["operator"])
        response = await operator.post("/orders/01J00000000000000000000000/retry-crm")
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEMS + "order-not-found"
