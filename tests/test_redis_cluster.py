"""Every Lua script, transaction and multi-key read of Trivium, run on a real Redis Cluster.

Each service's own Redis code runs as that service's own user (the grants of
`trivium.redis_users`, created on every node) against a three-master cluster, through the client
`trivium.redis_client` makes from a `redis+cluster://` URL. A script whose keys do not share a
hash slot fails with CROSSSLOT (from the server), a transaction with CrossSlotTransactionError
(from the client, before it is sent), a MGET with RedisClusterException; a key outside the
service's grant fails with NOPERM. Where the code swallows Redis errors on purpose (caches, the
gateway's fault-tolerant limits), the test checks what was stored, not only that nothing raised.

The list of scripts and transactions this covers (`SCRIPTS_AND_TRANSACTIONS`) is checked against
the source: a new `register_script`, `eval`, `pipeline()` or `pipeline(transaction=True)` fails
`TestCoverage` until a test here runs it and the list names it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import pytest_asyncio

from trivium.idempotency import IdempotencyRequestInProgress, IdempotencyStore, StoredResponse
from trivium.locks import LeaseLocks
from trivium.redis_client import (
    AsyncRedis,
    SyncRedis,
    close_sync_redis,
    create_redis,
    create_sync_redis,
)
from trivium.work_queue import Message, PermanentFailure, WorkQueue
from trivium_testing.pact_examples import new_customer
from trivium_testing.redis_cluster import RedisClusterServer
from trivium_testing.waiting import until as eventually

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[1]
SOURCE_FOLDERS = [
    ROOT / "shared" / "src" / "trivium",
    *sorted(ROOT.glob("system-apis/*/src")),
    *sorted(ROOT.glob("process-apis/*/src")),
    *sorted(ROOT.glob("experience-apis/*/src")),
    ROOT / "gateway" / "src",
    ROOT / "gateway" / "plugins",
]
# Source file -> how many scripts (register_script, eval) and transactions it holds; each is run
# by the test class named above it.
SCRIPTS_AND_TRANSACTIONS = {
    # TestWorkQueue
    "shared/src/trivium/work_queue/queue.py": 3,
    "shared/src/trivium/work_queue/delivery.py": 3,
    "shared/src/trivium/work_queue/dead_letters.py": 1,
    # OwnedKeys, FencedLease, FencedWriter: TestLeaseLocks, TestErpKeyLock, TestSalesforceSession,
    # TestSyncState, TestSyncs
    "shared/src/trivium/locks.py": 4,
    # TestIdempotencyStore
    "shared/src/trivium/idempotency.py": 2,
    # TestPricebookCatalog
    "system-apis/salesforce/src/salesforce_system/adapters/salesforce/catalog.py": 1,
    # TAKE_DUE of RedisSagaStore: TestOrderStore, TestRequestStore
    "shared/src/trivium/saga_store.py": 1,
    # The MULTI of a WriteBatch (a saga's save; under a lock or a lead: FencedWriter):
    # TestOrderStore, TestRequestStore
    "shared/src/trivium/write_batch.py": 1,
    # TestOrderStore
    "process-apis/quote-to-order/src/quote_to_order_process/adapters/redis_store.py": 2,
    # TestRequestStore
    "process-apis/create-customer/src/create_customer_process/adapters/redis_store.py": 2,
    # TestPartnerQuota
    "gateway/plugins/partner-quota.py": 1,
    # TestAuthFailureLimit
    "gateway/plugins/auth-failure-limit.py": 2,
    # TestRateLimiting
    "gateway/src/trivium_gateway/bundled/rate_limiting.py": 1,
    # LoopRedis.register_script, which registers a plugin's script with both its clients:
    # TestPartnerQuota
    "gateway/src/trivium_gateway/plugin_support.py": 3,
}
_SCRIPT_OR_TRANSACTION = re.compile(
    r"register_script\(|\.eval\(|\.evalsha\(|pipeline\(\)|pipeline\(transaction=True\)"
    r"|\.transaction\(|\.multi\("
)


def password_of(service: str) -> str:
    return f"{service}-cluster-password-0123456789"


AsyncClientOf = Callable[[str], AsyncRedis]
SyncClientOf = Callable[[str], SyncRedis]


@pytest_asyncio.fixture
async def client_of(
    redis_cluster: RedisClusterServer, redis_cluster_url: str
) -> AsyncIterator[AsyncClientOf]:
    """An asyncio cluster client signed in as a service's own user, on an empty cluster."""
    made: list[AsyncRedis] = []

    def make(service: str) -> AsyncRedis:
        client = create_redis(redis_cluster.user_url(service, password_of(service)))
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def sync_client_of(
    redis_cluster: RedisClusterServer, redis_cluster_url: str
) -> Iterator[SyncClientOf]:
    """A blocking cluster client (as the gateway's plugins use) signed in as a service's user."""
    made: list[SyncRedis] = []

    def make(service: str) -> SyncRedis:
        url = redis_cluster.user_url(service, password_of(service))
        client = create_sync_redis(url, socket_timeout=5)
        made.append(client)
        return client

    yield make
    for client in made:
        close_sync_redis(client)


class TestCoverage:
    def test_every_script_and_transaction_is_run_here(self) -> None:
        found = {}
        for folder in SOURCE_FOLDERS:
            for path in sorted(folder.rglob("*.py")):
                if "testing" in path.relative_to(ROOT).parts:
                    continue
                count = len(_SCRIPT_OR_TRANSACTION.findall(path.read_text()))
                if count:
                    found[path.relative_to(ROOT).as_posix()] = count
        assert found == SCRIPTS_AND_TRANSACTIONS


# --- trivium (shared) ---------------------------------------------------------------------------


@pytest.mark.asyncio
class TestWorkQueue:
    @pytest.mark.parametrize("owner", ["quote-to-order", "create-customer"])
    async def test_enqueue_retry_dead_letter_replay_and_ack(
        self, client_of: AsyncClientOf, owner: str
    ) -> None:
        client = client_of(owner)
        queue = WorkQueue(
            client,
            f"{{{owner}}}:work",
            group=owner,
            max_attempts=2,
            base_backoff_seconds=0,
            max_backoff_seconds=0,
            # Short, so that the consumer's heartbeat (EXTEND) runs while a handler works.
            visibility_timeout_seconds=0.3,
            block_ms=20,
        )
        extended = asyncio.Event()

        async def handler(message: Message) -> None:
            outcome = message.payload["outcome"]
            if outcome == "fails":
                raise ValueError("refused")  # retried once (SETTLE retry, PROMOTE), then dead
            if outcome == "permanent":
                raise PermanentFailure("malformed")  # dead at once (SETTLE dead)
            if outcome == "slow":
                started = time.monotonic()

                async def heartbeat_seen() -> bool:
                    [pending] = await client.xpending_range(
                        queue.stream, queue.group, min=message.id, max=message.id, count=1
                    )
                    idle_ms = pending["time_since_delivered"]
                    return idle_ms + 50 < (time.monotonic() - started) * 1000

                await eventually(heartbeat_seen)
                extended.set()

        for outcome in ("fails", "permanent", "slow", "done"):
            await queue.enqueue({"outcome": outcome})  # ENQUEUE
        stop = asyncio.Event()
        consumer = asyncio.create_task(  # PRUNE, RECLAIM, then reads and settles
            queue.run_consumer(handler, consumer_name="worker-1", stop_event=stop)
        )
        try:

            async def settled() -> bool:
                stats = await queue.stats()  # the stats pipeline (not a transaction)
                return stats.depth == 0 and stats.dead_letters == 2

            await eventually(settled)
        finally:
            stop.set()
            await consumer
        assert extended.is_set()
        page = await queue.list_dead_letters()
        assert sorted(letter.error_type for letter in page.items) == [
            "PermanentFailure",
            "ValueError",
        ]
        assert await queue.replay_dead_letter(page.items[0].id)  # REPLAY
        assert await queue.replay_all_dead_letters() == 1
        assert (await queue.stats()).depth == 2

    async def test_a_stream_named_without_a_hash_tag(self, redis_cluster_url: str) -> None:
        # As a new queue might be named: its retry and dead-letter keys still hash like the
        # stream (no service's grant covers such a name, hence the administrator).
        client = create_redis(redis_cluster_url)
        queue = WorkQueue(client, "orders", group="g", max_attempts=1, base_backoff_seconds=0)

        async def refuse(message: Message) -> None:
            raise PermanentFailure("refused")

        try:
            await queue.enqueue({"n": 1})
            stop = asyncio.Event()
            consumer = asyncio.create_task(
                queue.run_consumer(refuse, consumer_name="worker-1", stop_event=stop)
            )

            async def dead() -> bool:
                return (await queue.stats()).dead_letters == 1

            try:
                await eventually(dead)
            finally:
                stop.set()
                await consumer
            assert await queue.replay_all_dead_letters() == 1
        finally:
            await client.aclose()


class TestLeaseLocks:
    @pytest.mark.asyncio
    async def test_held_renewed_and_released(self, client_of: AsyncClientOf) -> None:
        client = client_of("quote-to-order")
        locks = LeaseLocks(client, lease_seconds=0.3, prefix="{quote-to-order}")
        key = locks.key("order-1")
        async with locks.hold("order-1") as held:
            assert held
            first_expiry = time.monotonic() * 1000 + await client.pttl(key)

            async def renewed() -> bool:  # RENEW, every third of the lease, moves the expiry
                return time.monotonic() * 1000 + await client.pttl(key) > first_expiry + 50

            await eventually(renewed)
        assert not await client.exists(key)  # RELEASE


class TestIdempotencyStore:
    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        "owner",
        [
            "salesforce-system",
            "erp-system",
            "quote-to-order",
            "create-customer",
            "customer-sync",
            "mobile-experience",
            "partner-portal-experience",
        ],
    )
    async def test_claim_extend_complete_and_release(
        self, client_of: AsyncClientOf, owner: str
    ) -> None:
        store = IdempotencyStore(client_of(owner), service=owner)
        key = store.make_key(operation="POST /orders", scope="rep-1", key="key-1")
        claim = await store.claim(key, "fingerprint")
        assert not isinstance(claim, StoredResponse)
        assert await store.extend(claim)
        assert await store.complete(claim, StoredResponse(201, (), b"{}"))
        assert await store.claim(key, "fingerprint") == StoredResponse(201, (), b"{}")
        other = await store.claim(
            store.make_key(operation="POST /orders", scope="rep-1", key="key-2"), "fingerprint"
        )
        assert not isinstance(other, StoredResponse)
        # A repeat while the claim is held reads the record and its lease left in one script.
        impatient = IdempotencyStore(client_of(owner), service=owner, wait_seconds=0)
        with pytest.raises(IdempotencyRequestInProgress) as raised:
            await impatient.claim(other.key, "fingerprint")
        assert 1 <= int(raised.value.headers["Retry-After"]) <= store.lease_seconds
        assert await store.release(other)


# --- system APIs --------------------------------------------------------------------------------


class TestSalesforceSession:
    @pytest.mark.asyncio
    async def test_login_under_the_lock_and_invalidation(self, client_of: AsyncClientOf) -> None:
        from salesforce_system.adapters.salesforce.session import SessionProvider
        from salesforce_system.settings import SalesforceSystemSettings

        def token(request: httpx.Request) -> httpx.Response:
            return httpx.Response(
                200, json={"access_token": "token-1", "instance_url": "https://org.test"}
            )

        login = httpx.AsyncClient(transport=httpx.MockTransport(token))
        client = client_of("salesforce-system")
        settings = SalesforceSystemSettings(login_url="https://login.test")
        sessions = SessionProvider(settings=settings, redis_client=client, login_client=login)
        try:
            session = await sessions.current()  # the login lock, released by its script
            assert session.access_token == "token-1"
            await sessions.invalidate(session)  # compare and delete
            assert await sessions.current() == session
            assert sessions.logins == 2
        finally:
            await login.aclose()


class TestPricebookCatalog:
    @pytest.mark.asyncio
    async def test_refresh_replaces_the_cache_in_one_transaction(
        self, client_of: AsyncClientOf
    ) -> None:
        from salesforce_system.adapters.salesforce.catalog import PricebookCatalog

        class Rest:
            async def query_all_pages(self, soql: str) -> list[dict[str, Any]]:
                return [
                    {
                        "Id": "01u000000000001AAA",
                        "Pricebook2Id": "01s000000000001AAA",
                        "Product2Id": "01t000000000001AAA",
                        "Product2": {"ERP_Material__c": "TG11"},
                        "UnitPrice": 12.5,
                    }
                ]

        catalog = PricebookCatalog(
            rest=Rest(),  # type: ignore[arg-type]
            redis_client=client_of("salesforce-system"),
            ttl=60,
        )
        entries = await catalog.entries({"sku:TG11", "product:01t000000000001AAA"})
        assert entries["sku:TG11"].unit_price == 12.5


class TestErpKeyLock:
    @pytest.mark.asyncio
    async def test_held_and_released_by_its_owner(self, client_of: AsyncClientOf) -> None:
        # As the ERP System API's composition builds them: keys of client data, hashed.
        def locks(wait_seconds: float) -> LeaseLocks:
            return LeaseLocks(
                client_of("erp-system"),
                prefix="trivium",
                namespace="erp-system",
                lease_seconds=60,
                wait_seconds=wait_seconds,
                hashed=True,
            )

        patient, impatient = locks(1), locks(0.05)
        async with patient.hold("Contoso|95110") as held:
            assert held
            async with impatient.hold("Contoso|95110") as also_held:
                assert not also_held
        async with impatient.hold("Contoso|95110") as held_again:  # released by its owner
            assert held_again


# --- process APIs -------------------------------------------------------------------------------

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
ORG = "00D000000000001EAA"


class TestOrderStore:
    @pytest.mark.asyncio
    async def test_the_saga_of_an_order(self, client_of: AsyncClientOf) -> None:
        from quote_to_order_process.adapters.ports import HeldBy, HeldReference
        from quote_to_order_process.adapters.redis_store import DEFAULT_PREFIX, RedisOrderStore
        from quote_to_order_process.domain.models import (
            OrderSource,
            OrderState,
            OrderStatus,
            SagaStep,
            new_order_id,
        )

        def order(*, quote_id: str | None) -> OrderState:
            return OrderState(
                id=new_order_id(round(NOW.timestamp() * 1000)),
                source=OrderSource.QUOTE if quote_id else OrderSource.DIRECT,
                created_at=NOW,
                updated_at=NOW,
                crm_system_id=ORG,
                quote_id=quote_id,
                account_id="001000000000001AAA",
                purchase_order_number=None if quote_id else "PO-1",
            )

        client = client_of("quote-to-order")
        store = RedisOrderStore(client, retention=timedelta(days=1))
        quoted, direct = order(quote_id="0Q0000000000001AAA"), order(quote_id=None)
        # CREATE, with the claims of the quote and of the caller's request.
        assert await store.create(quoted, wake_at=NOW, request_id="r-1") is None
        again = order(quote_id="0Q0000000000001AAA")
        assert await store.create(again, wake_at=NOW) == HeldBy(HeldReference.QUOTE, quoted.id)
        repeated = await store.create(again, wake_at=NOW, request_id="r-1")
        assert repeated == HeldBy(HeldReference.REQUEST, quoted.id)
        assert await store.create(direct, wake_at=NOW) is None
        assert await store.claim_reference(direct) is None  # CLAIM of the purchase order
        assert await store.take_due(now=NOW, limit=10, recheck_at=NOW + timedelta(minutes=1))
        stuck = quoted.evolve(step=SagaStep.NEEDS_ATTENTION, erp_order_number="4500000001")
        await store.save(stuck, wake_at=None)  # MULTI over the order, listings and wake-ups
        # The order's lock and every key of its save share the hash slot (FencedWriter).
        async with LeaseLocks(client, lease_seconds=5, prefix=DEFAULT_PREFIX).hold(
            direct.id
        ) as held:
            completed = direct.evolve(step=SagaStep.COMPLETED)
            # The fenced write with the order.created event on the events stream.
            await store.save(completed, wake_at=None, held=held, event="order.created")
        [(_, entry)] = await client.xrange(store.events.stream)
        assert entry[b"orderId"] == direct.id.encode()
        found, _ = await store.list_orders(
            account_id="001000000000001AAA", status=OrderStatus.COMPLETED, limit=10, after=None
        )
        assert [state.id for state in found] == [direct.id]
        attention, _ = await store.list_needing_attention(limit=10, after=None)
        assert [state.id for state in attention] == [quoted.id]


class TestRequestStore:
    @pytest.mark.asyncio
    async def test_the_saga_of_a_customer_request(self, client_of: AsyncClientOf) -> None:
        from create_customer_process.adapters.redis_store import RedisRequestStore
        from create_customer_process.domain.models import (
            CustomerCreate,
            RequestState,
            SagaStep,
            new_request_id,
        )
        from create_customer_process.domain.normalization import normalize_customer

        customer = normalize_customer(CustomerCreate.model_validate(new_customer()))

        def request() -> RequestState:
            return RequestState(
                id=new_request_id(), created_at=NOW, updated_at=NOW, customer=customer
            )

        store = RedisRequestStore(client_of("create-customer"))
        claims = ["name:contoso manufacturing|US|95110", "domain:contoso.com"]
        first, second = request(), request()
        assert await store.create(first, claims=claims, wake_at=NOW) is None  # CREATE
        assert await store.create(second, claims=claims, wake_at=NOW) == first.id
        assert await store.take_due(now=NOW, limit=10, recheck_at=NOW + timedelta(minutes=1))
        await store.save(first.evolve(step=SagaStep.NEEDS_ATTENTION), wake_at=None)  # MULTI
        attention, _ = await store.list_needing_attention(limit=10, after=None)
        assert [state.id for state in attention] == [first.id]
        await store.release_claims(first.id, claims)  # RELEASE
        assert await store.create(second, claims=claims, wake_at=NOW) is None


class TestSyncState:
    @pytest.mark.asyncio
    async def test_the_leader_writes_under_its_fence(self, client_of: AsyncClientOf) -> None:
        from customer_sync_process.adapters.redis_state import RedisSyncState, leader_lease

        from trivium.locks import LeaseLost
        from trivium.write_batch import WriteBatch

        client = client_of("customer-sync")
        leader = leader_lease(client, holder="replica-1", ttl_seconds=30)
        follower = leader_lease(client, holder="replica-2", ttl_seconds=30)
        state = RedisSyncState(client, fence_key=leader.fence_key, audit_max_length=1_000)
        fence = await leader.acquire()  # ACQUIRE: the lease and the fence counter together
        assert fence == 1
        assert await follower.acquire() == 0
        writes = (
            WriteBatch()
            .set(state.key("cdc", "position"), "42")
            .hset(state.key("seen", "crm", "001000000000001AAA"), {"Name": "Contoso"})
            .incr(state.stats_key, "applied")
            .xadd(state.audit_stream, {"direction": "crm-to-erp"}, max_length=1_000)
        )
        await state.write(fence, writes)  # FENCED, over every key of the batch
        assert await state.get_text("cdc", "position") == "42"
        assert await state.stats() == {"applied": 1}
        await leader.release()  # RELEASE
        assert await follower.acquire() == 2
        with pytest.raises(LeaseLost):
            await state.write(fence, WriteBatch().set(state.key("cdc", "position"), "41"))


class TestSyncs:
    @pytest.mark.asyncio
    async def test_one_product_sync_at_a_time(self, client_of: AsyncClientOf) -> None:
        from customer_sync_process.adapters.redis_syncs import RedisSyncs

        syncs = RedisSyncs(client_of("customer-sync"), retention_days=1, lock_seconds=30)
        assert await syncs.claim("sync-1") is None
        assert await syncs.claim("sync-2") == "sync-1"
        await syncs.renew("sync-1")  # RENEW
        await syncs.release("sync-1")  # RELEASE
        assert await syncs.claim("sync-2") is None


# --- experience APIs ----------------------------------------------------------------------------


class TestMobileCache:
    @pytest.mark.asyncio
    async def test_values_of_many_slots_are_written_and_read_together(
        self, client_of: AsyncClientOf
    ) -> None:
        from trivium.cache import RedisCache

        cache = RedisCache(client_of("mobile-experience"))
        values = {f"mobile:360:crm:001{n:015d}": f"account {n}".encode() for n in range(12)}
        await cache.set_many(values, ttl_seconds=60)
        keys = [*values, "mobile:account:missing"]
        # The cache answers misses when Redis fails: every value must really come back.
        assert await cache.get_many(keys) == [*values.values(), None]


class TestPartnerPortalCache:
    @pytest.mark.asyncio
    async def test_values_of_many_slots_are_read_together(self, client_of: AsyncClientOf) -> None:
        from trivium.cache import RedisCache

        cache = RedisCache(client_of("partner-portal-experience"), prefix="partner-portal:")
        numbers = [f"45000000{index:02d}" for index in range(12)]
        for number in numbers:
            await cache.set(f"erp-order:{number}", number.encode(), ttl_seconds=60)
        keys = [f"erp-order:{number}" for number in numbers]
        assert await cache.get_many(keys) == [number.encode() for number in numbers]


# --- gateway ------------------------------------------------------------------------------------


def load_plugin(name: str) -> ModuleType:
    """A plugin file of gateway/plugins, loaded by kong-pdk's own loader."""
    from trivium_gateway.external.in_process import Module

    module: ModuleType = Module(name, path=str(ROOT / "gateway" / "plugins" / f"{name}.py")).mod
    return module


def plugin_config(plugin: ModuleType, **settings: Any) -> Any:
    """A plugin's parsed configuration as Kong hands it over: `settings` over the schema's
    defaults, with Redis behind a cluster URL (the tests hand the plugin its client)."""
    from trivium_gateway.schema import validate_record

    given = {"redis_url": "redis+cluster://unused:1", "fail_open": False, **settings}
    return plugin.parse_config(validate_record(plugin.Schema, given))


class TestPartnerQuota:
    def test_every_window_of_a_consumer_is_counted_together(
        self, sync_client_of: SyncClientOf
    ) -> None:
        partner_quota = load_plugin("partner-quota")
        config = plugin_config(
            partner_quota,
            default_plan="bronze",
            plans={"bronze": {"second": 5, "minute": 60, "hour": 600}},
        )
        limiter = partner_quota.SlidingWindowLimiter(
            sync_client_of("gateway"), key_prefix=config.key_prefix
        )
        windows = config.plans["bronze"]
        decisions = [
            limiter.consume(consumer_id="partner-1", windows=windows, cost=1) for _ in range(6)
        ]
        assert [decision.allowed for decision in decisions] == [True] * 5 + [False]

    @pytest.mark.asyncio
    async def test_counted_alike_on_the_in_process_gateway_s_event_loop(
        self, client_of: AsyncClientOf, sync_client_of: SyncClientOf
    ) -> None:
        from trivium_gateway.loop_bridge import run_bridged
        from trivium_gateway.plugin_support import LoopRedis

        partner_quota = load_plugin("partner-quota")
        config = plugin_config(
            partner_quota, default_plan="bronze", plans={"bronze": {"second": 5, "minute": 60}}
        )
        client = LoopRedis(sync_client_of("gateway"), client_of("gateway"))
        limiter = partner_quota.SlidingWindowLimiter(client, key_prefix=config.key_prefix)
        windows = config.plans["bronze"]

        def consume_six() -> list[bool]:
            return [
                limiter.consume(consumer_id="partner-2", windows=windows, cost=1).allowed
                for _ in range(6)
            ]

        assert await run_bridged(consume_six) == [True] * 5 + [False]


class TestAuthFailureLimit:
    def test_failures_are_recorded_and_checked(self, sync_client_of: SyncClientOf) -> None:
        auth_failure_limit = load_plugin("auth-failure-limit")
        config = plugin_config(auth_failure_limit, max_failures=3, window_seconds=60)
        failures = auth_failure_limit.FailureLog(sync_client_of("gateway"), config=config)
        for _ in range(3):
            failures.record("203.0.113.7")  # RECORD
        standing = failures.standing("203.0.113.7")  # CHECK
        assert auth_failure_limit.is_blocked(standing, max_failures=3)


class TestSalesforceBudget:
    @pytest.mark.asyncio
    async def test_the_gateway_reads_what_the_system_api_publishes(
        self, client_of: AsyncClientOf, sync_client_of: SyncClientOf
    ) -> None:
        from salesforce_system.adapters.salesforce.budget import BUDGET_KEY, BudgetTracker

        await BudgetTracker(client_of("salesforce-system")).observe("api-usage=100/15000")
        budget_guard = load_plugin("salesforce-budget-guard")
        reader = budget_guard.BudgetReader(sync_client_of("gateway"), key=BUDGET_KEY, ttl=0)
        assert reader.read(time.time()).remaining == 14_900


class _Context:
    """The part of the local gateway's request context that rate limiting reads and writes."""

    consumer = None
    credential = None
    client_ip = "203.0.113.7"

    def __init__(self) -> None:
        self.errors: list[tuple[Any, ...]] = []
        self.headers: dict[str, str] = {}

    def error(self, *args: Any) -> None:
        self.errors.append(args)

    def set_response_header(self, name: str, value: str) -> None:
        self.headers[name] = value


class TestRateLimiting:
    @pytest.mark.asyncio
    async def test_every_period_of_an_identifier_is_counted_together(
        self, client_of: AsyncClientOf
    ) -> None:
        from trivium_gateway.bundled import BundledDeps
        from trivium_gateway.bundled.rate_limiting import RateLimiting
        from trivium_gateway.entities import PluginInstance

        conf = {
            "policy": "redis",
            "second": 100,
            "minute": 1_000,
            "hour": 10_000,
            "limit_by": "consumer",
            # Not fault tolerant: a failed script answers 500 instead of passing silently.
            "fault_tolerant": False,
            "hide_client_headers": False,
            "error_code": 429,
            "error_message": "API rate limit exceeded",
        }
        instance = PluginInstance(
            id="plugin-1", name="rate-limiting", config=conf, priority=910, external=False
        )
        deps = BundledDeps(config=None, redis=client_of("gateway"))  # type: ignore[arg-type]
        plugin = RateLimiting(instance, deps)
        contexts = [_Context() for _ in range(3)]
        for context in contexts:
            await plugin.access(context)  # type: ignore[arg-type]
        assert [context.errors for context in contexts] == [[], [], []]
        assert contexts[-1].headers["X-RateLimit-Remaining-Hour"] == "9997"
