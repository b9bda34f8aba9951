"""The operator CLI against the suite's running services: every command signs its own operator
tokens with the session's operator key, and reads what the gateway keeps in the suite's Redis."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import redis.asyncio
from click.testing import Result
from trivium_cli.main import app
from trivium_cli.settings import CliSettings
from typer.testing import CliRunner

from trivium.work_queue import WorkQueue
from trivium_testing.integration import OrgRecords
from trivium_testing.keys import session_keys
from trivium_testing.waiting import until

KONG_CONFIG = Path(__file__).resolve().parents[1] / "gateway" / "kong.yml"
# quote-to-order's work queue and its consumer group (the service's name): a message that names
# no order is dead-lettered by its worker at once, for good.
ORDER_WORK_STREAM = "{quote-to-order}:work"
ORDER_WORK_GROUP = "quote-to-order"
BRONZE_PARTNER = ("P-1003", "demo-bronze-9d41c6a3e7f2b058")

Cli = Callable[..., Result]


@pytest.fixture
def cli(suite: Any) -> Cli:
    """`cli(*args)`: `trivium` on the suite, signing with the session's operator key (`input=`
    answers its questions)."""
    settings = CliSettings(
        quote_to_order_url=suite.url("quote-to-order"),
        create_customer_url=suite.url("create-customer"),
        customer_sync_url=suite.url("customer-sync"),
        operator_key_file=session_keys().key_file("operator"),
        redis_url=suite.redis_url,
        kong_config=KONG_CONFIG,
    )

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(app, list(args), obj=settings, input=input)

    return run


def json_of(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest_asyncio.fixture
async def order_queue(suite: Any) -> AsyncIterator[WorkQueue]:
    client = redis.asyncio.Redis.from_url(suite.redis_url)
    yield WorkQueue(client, ORDER_WORK_STREAM, group=ORDER_WORK_GROUP)
    await client.aclose()


class NewDeadLetters:
    """The dead letters of quote-to-order that were not there before (other tests leave theirs)."""

    def __init__(self, queue: WorkQueue) -> None:
        self.queue = queue
        self.seen: set[str] = set()

    async def ids(self) -> list[str]:
        page = await self.queue.list_dead_letters(limit=1000)
        return [letter.id for letter in page.items if letter.id not in self.seen]

    async def next(self, what: str) -> str:
        """Wait for one new dead letter; it is seen from then on."""
        found: list[str] = []

        async def arrived() -> bool:
            found[:] = await self.ids()
            return bool(found)

        await until(arrived, what=what)
        [letter_id] = found
        self.seen.add(letter_id)
        return letter_id


class TestDeadLetters:
    @pytest.mark.asyncio
    async def test_an_operator_lists_shows_replays_and_discards_letters(
        self, cli: Cli, order_queue: WorkQueue
    ) -> None:
        letters = NewDeadLetters(order_queue)
        letters.seen = set(await letters.ids())
        await order_queue.enqueue({"purpose": "operator-cli-test"})
        letter_id = await letters.next("the message that names no order dead-lettered")

        [letter] = [
            letter
            for letter in json_of(cli("dead-letters", "list", "--json"))
            if letter["id"] == letter_id
        ]
        assert letter["service"] == "quote-to-order"
        assert "names no order" in letter["errorMessage"]
        assert json_of(cli("dead-letters", "show", "quote-to-order", letter_id, "--json")) == letter
        assert "names no order" in cli("dead-letters", "show", "quote-to-order", letter_id).stdout

        replayed = json_of(cli("dead-letters", "replay", "quote-to-order", letter_id, "--json"))
        assert replayed["deadLetterId"] == letter_id
        again = await letters.next("the replayed message dead-lettered again")

        everything = json_of(cli("dead-letters", "replay-all", "quote-to-order", "--json"))
        assert everything["replayed"] >= 1
        last = await letters.next("the message dead-lettered a third time")
        assert again not in {letter.id for letter in (await order_queue.list_dead_letters()).items}

        declined = cli("dead-letters", "discard", "quote-to-order", last, input="n\n")
        assert declined.exit_code == 1
        assert last in {letter.id for letter in (await order_queue.list_dead_letters()).items}
        discarded = cli("dead-letters", "discard", "quote-to-order", last, input="y\n")
        assert discarded.exit_code == 0, discarded.output
        assert last not in {letter.id for letter in (await order_queue.list_dead_letters()).items}

    @pytest.mark.parametrize(
        ("args", "problem"),
        [
            (("show", "create-customer", "1-1"), "404 No such dead letter"),
            (("replay", "quote-to-order", "not-an-id"), "422"),
        ],
    )
    def test_a_bad_id_is_an_error_naming_the_problem(
        self, cli: Cli, args: tuple[str, ...], problem: str
    ) -> None:
        result = cli("dead-letters", *args)
        assert result.exit_code == 1
        assert problem in result.stderr


class TestOrder:
    @pytest.mark.asyncio
    async def test_an_order_is_shown_across_systems(self, cli: Cli, order_desk: Any) -> None:
        placed = await order_desk.place(secrets.randbelow(10_000), "CLI", wait=True)
        assert placed.status_code == 201, placed.text
        order_id = placed.json()["orderId"]

        view = json_of(cli("order", order_id, "--json"))
        assert view["order"]["status"] == "completed"
        assert view["order"]["erpOrderNumber"]
        assert view["order"]["crmOrderId"]
        assert view["deadLetters"] == []
        assert view["parked"] is None
        shown = cli("order", order_id).stdout
        assert "[x] completed" in shown
        assert f"ERP order       {view['order']['erpOrderNumber']}" in shown

    def test_an_unknown_order_is_an_error(self, cli: Cli) -> None:
        result = cli("order", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
        assert result.exit_code == 1
        assert "404" in result.stderr


def parked_attempts(cli: Cli, item_id: str) -> int:
    """How often customer-sync has tried the parked record (0 while it is not parked)."""
    result = cli("parked", "show", item_id, "--json")
    return int(json.loads(result.stdout)["attempts"]) if result.exit_code == 0 else 0


class TestParked:
    @pytest.mark.asyncio
    async def test_an_operator_sees_retries_and_drops_a_parked_account(
        self, cli: Cli, suite: Any
    ) -> None:
        async with suite.system.salesforce_org() as org:
            # An ERP number nobody issued: customer-sync parks the account for good.
            account_id = await OrgRecords(org).insert(
                "Account",
                {"Name": "Parked Test Ltd", "ERP_Customer_Number__c": f"9{secrets.token_hex(6)}"},
            )
        item_id = f"crm-account:{account_id}"

        await until(lambda: parked_attempts(cli, item_id) > 0, what="the account parked")
        item = json_of(cli("parked", "show", item_id, "--json"))
        assert item["error"]["kind"] == "permanent"
        listed = json_of(cli("parked", "list", "--loop", "cdc", "--json"))
        assert item_id in {entry["id"] for entry in listed["items"]}
        status = json_of(cli("sync", "status", "--json"))
        assert status["parked"] >= 1
        assert status["loops"]["cdc"]["parked"] >= 1

        retried = json_of(cli("parked", "retry", item_id, "--json"))
        assert retried["id"] == item_id
        # Dropped only once the leader has tried it again (and parked it again): a drop during
        # the retry would be undone by its outcome.
        await until(
            lambda: parked_attempts(cli, item_id) > item["attempts"], what="the account retried"
        )
        dropped = cli("parked", "drop", item_id, "--yes")
        assert dropped.exit_code == 0, dropped.output
        gone = cli("parked", "show", item_id)
        assert gone.exit_code == 1
        assert "404" in gone.stderr

    def test_a_malformed_id_is_an_error(self, cli: Cli) -> None:
        result = cli("parked", "drop", "no-such-kind:1", "--yes")
        assert result.exit_code == 1
        assert "422" in result.stderr


class TestSync:
    def test_status_shows_each_loop(self, cli: Cli) -> None:
        status = json_of(cli("sync", "status", "--json"))
        assert {"cdc", "erpPoll"} <= set(status["loops"])
        shown = cli("sync", "status").stdout
        assert "LOOP" in shown
        assert "cdc" in shown

    def test_a_product_sync_is_followed_until_it_ends(self, cli: Cli) -> None:
        sync = json_of(cli("sync", "products", "--poll-seconds", "0.1", "--json"))
        assert sync["status"] == "completed"
        assert sync["processed"] == sync["succeeded"] + sync["failed"] > 0


class TestGateway:
    @pytest.mark.asyncio
    async def test_budget_shows_the_published_reading_and_each_plans_decision(
        self, cli: Cli, order_desk: Any
    ) -> None:
        # Any Salesforce call makes the Salesforce System API publish the budget it read.
        await order_desk.place(secrets.randbelow(10_000), "CLI-BUDGET", wait=True)
        [view] = json_of(cli("budget", "--json"))
        assert view["reading"]["max"] > 0
        assert {plan["plan"] for plan in view["plans"]} == {"gold", "silver", "bronze"}
        assert {plan["decision"] for plan in view["plans"]} == {"passed"}

    @pytest.mark.asyncio
    async def test_quota_counts_the_partners_requests(self, cli: Cli, gateway: Any) -> None:
        account_number, key = BRONZE_PARTNER
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            response = await client.get("/partner/v1/account", headers={"apikey": key})
        assert "RateLimit-Remaining" in response.headers, response.text

        view = json_of(cli("quota", account_number, "--json"))
        assert (view["partner"], view["plan"]) == ("partner-rhein", "bronze")
        minute = next(window for window in view["windows"] if window["window"] == "minute")
        assert minute["limit"] == 60
        assert minute["used"] >= 1
        assert minute["remaining"] == 60 - minute["used"]

    def test_an_unknown_partner_is_an_error(self, cli: Cli) -> None:
        result = cli("quota", "P-9999")
        assert result.exit_code == 1
        assert "no consumer" in result.stderr
