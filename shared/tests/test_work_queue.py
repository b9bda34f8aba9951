"""The durable work queue against a real Redis, with real consumer processes for crash recovery."""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio
import redis.exceptions
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import REGISTRY

from trivium.correlation import correlation_id_var
from trivium.tracing import extract_trace_context, traceparent, tracer
from trivium.work_queue import (
    DeadLetterNotFound,
    Message,
    PermanentFailure,
    QueueFull,
    RetryLater,
    WorkQueue,
    compute_backoff,
    scripts,
)
from trivium_testing.lost_cancellation import cancellation_losing_client

CONSUMER_PROCESS = Path(__file__).with_name("queue_consumer_process.py")
Condition = Callable[[], bool | Awaitable[bool]]


class UpstreamUnavailable(Exception):
    """A handler's own failure: counted as an attempt, unlike Redis being away."""


def make_queue(client: redis.asyncio.Redis, **options: Any) -> WorkQueue:
    """A queue on a fresh stream name (metric labels stay apart), tuned for fast tests."""
    settings: dict[str, Any] = {
        "block_ms": 50,
        "visibility_timeout_seconds": 5.0,
        "base_backoff_seconds": 0.05,
        "max_backoff_seconds": 0.1,
        **options,
    }
    return WorkQueue(client, f"test:{secrets.token_hex(4)}", **settings)


async def wait_until(condition: Condition, *, within: float = 30.0) -> None:
    """Wait until `condition()` holds (the deadline only stops a test that hangs)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = condition()
        if await result if isinstance(result, Awaitable) else result:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"condition not met within {within} s")


def settled(queue: WorkQueue) -> Condition:
    """Every message acknowledged and removed: none can be delivered again."""

    async def check() -> bool:
        stats = await queue.stats()
        return (stats.depth, stats.pending) == (0, 0)

    return check


def reading(client: redis.asyncio.Redis) -> Condition:
    """A consumer waits in a blocking read of the stream."""

    async def check() -> bool:
        return any(
            c["cmd"] == "xreadgroup" and "b" in c["flags"] for c in await client.client_list()
        )

    return check


async def make_retries_due(client: redis.asyncio.Redis, queue: WorkQueue) -> None:
    """What the end of their backoff does: every scheduled retry is due now."""
    for member in await client.zrange(queue.retry_key, 0, -1):
        await client.zadd(queue.retry_key, {member: 0}, xx=True)


@contextlib.asynccontextmanager
async def consuming(
    queue: WorkQueue, handler: Callable[[Message], Awaitable[None]], *, name: str = "consumer-1"
) -> AsyncIterator[asyncio.Task[None]]:
    """Run one consumer loop for the body of the `async with`, then stop it gracefully."""
    stop = asyncio.Event()
    task = asyncio.create_task(queue.run_consumer(handler, consumer_name=name, stop_event=stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


def recorder(into: list[Message]) -> Callable[[Message], Awaitable[None]]:
    async def record(message: Message) -> None:
        into.append(message)

    return record


async def start_consumer_process(
    redis_url: str, queue: WorkQueue, name: str
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, str(CONSUMER_PROCESS), redis_url, queue.stream, name,
        str(queue.visibility_timeout_seconds),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def announced(process: asyncio.subprocess.Process) -> tuple[str, int]:
    """The (entry id, attempt) a consumer process reports having received and not acked."""
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
    _, entry_id, attempt = line.decode().split()
    return entry_id, int(attempt)


async def kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
    await process.wait()


def claim_renewed(client: redis.asyncio.Redis, queue: WorkQueue, entry_id: str) -> Condition:
    """The entry's owner has renewed its claim: its idle time went back down."""
    longest = 0

    async def check() -> bool:
        nonlocal longest
        [entry] = await client.xpending_range(queue.stream, queue.group, entry_id, entry_id, 1)
        idle = int(entry["time_since_delivered"])
        if idle < longest:
            return True
        longest = idle
        return False

    return check


def scheduled_retries(queue: WorkQueue, count: int) -> Condition:
    async def reached() -> bool:
        return (await queue.stats()).scheduled_retries == count

    return reached


def dead_letters_reach(client: redis.asyncio.Redis, queue: WorkQueue, count: int) -> Condition:
    async def reached() -> bool:
        return int(await client.xlen(queue.dead_stream)) >= count

    return reached


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.asyncio
class TestEnqueue:
    async def test_consumed_and_acked_leaves_nothing_pending(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client)
        entry_id = await queue.enqueue({"orderId": "o-1", "lines": [{"sku": "A", "quantity": 2}]})
        handled: list[Message] = []
        async with consuming(queue, recorder(handled)):
            await wait_until(lambda: len(handled) == 1)

        (message,) = handled
        assert message.id == entry_id == message.original_id
        assert message.payload == {"orderId": "o-1", "lines": [{"sku": "A", "quantity": 2}]}
        assert message.attempt == 1
        assert message.enqueued_at.tzinfo is not None
        stats = await queue.stats()
        assert (stats.depth, stats.pending, stats.lag) == (0, 0, 0)
        assert (await redis_client.xpending(queue.stream, queue.group))["pending"] == 0
        assert sample("trivium_queue_messages_total", stream=queue.stream, outcome="acked") == 1

    async def test_handler_runs_with_the_correlation_id_of_the_request(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client)
        token = correlation_id_var.set("corr-42")
        try:
            await queue.enqueue({"n": 1})
        finally:
            correlation_id_var.reset(token)
        seen: list[str | None] = []

        async def remember_correlation(message: Message) -> None:
            seen.append(correlation_id_var.get())

        async with consuming(queue, remember_correlation):
            await wait_until(lambda: len(seen) == 1)
        assert seen == ["corr-42"]
        assert correlation_id_var.get() is None

    async def test_work_continues_the_trace_that_queued_it(
        self, redis_client: redis.asyncio.Redis, recorded_spans: InMemorySpanExporter
    ) -> None:
        queue = make_queue(redis_client, max_attempts=2)
        caller = {"traceparent": f"00-{'a' * 32}-{'b' * 16}-01", "tracestate": "vendor=1"}
        token = otel_context.attach(extract_trace_context(caller))
        try:
            entry_id = await queue.enqueue({"n": 1})
        finally:
            otel_context.detach(token)
        [(_, fields)] = await redis_client.xrange(queue.stream)
        handled: list[int] = []

        async def fail_once(message: Message) -> None:
            handled.append(message.attempt)
            if message.attempt == 1:
                raise UpstreamUnavailable("the ERP is away")

        async with consuming(queue, fail_once):
            await wait_until(lambda: len(handled) == 2)
            await wait_until(settled(queue))

        publish, *deliveries = recorded_spans.get_finished_spans()
        assert (publish.name, publish.kind) == (f"{queue.stream} publish", SpanKind.PRODUCER)
        assert publish.attributes is not None
        assert publish.attributes["messaging.message.id"] == entry_id
        assert fields[b"traceparent"].decode() == traceparent(publish)
        assert fields[b"tracestate"] == b"vendor=1"
        # Both deliveries, the retry too, are children of the publish span, in the caller's trace.
        assert [(span.name, span.kind) for span in deliveries] == [
            (f"{queue.stream} process", SpanKind.CONSUMER)
        ] * 2
        assert {span.parent.span_id for span in deliveries if span.parent} == {
            publish.context.span_id
        }
        assert [span.status.status_code for span in deliveries] == [
            StatusCode.ERROR,
            StatusCode.UNSET,
        ]
        assert handled == [1, 2]

    async def test_full_queue_refuses_new_work_instead_of_trimming(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client, max_length=2)
        await queue.enqueue({"n": 1})
        await queue.enqueue({"n": 2})
        with pytest.raises(QueueFull) as refused:
            await queue.enqueue({"n": 3})
        assert refused.value.status == 503
        assert await redis_client.xlen(queue.stream) == 2

    async def test_payload_that_is_not_json_is_refused(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client)
        with pytest.raises(TypeError):
            await queue.enqueue({"when": object()})
        assert await redis_client.xlen(queue.stream) == 0


@pytest.mark.asyncio
class TestRunConsumer:
    async def test_concurrent_consumers_process_each_message_exactly_once(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client)
        for n in range(200):
            await queue.enqueue({"n": n})
        processed: Counter[int] = Counter()
        by_consumer: Counter[str] = Counter()

        def handler_for(consumer: str) -> Callable[[Message], Awaitable[None]]:
            async def handle(message: Message) -> None:
                await asyncio.sleep(0)  # let the other consumers interleave
                processed[message.payload["n"]] += 1
                by_consumer[consumer] += 1

            return handle

        async with contextlib.AsyncExitStack() as stack:
            for name in ("c1", "c2", "c3"):
                await stack.enter_async_context(consuming(queue, handler_for(name), name=name))
            await wait_until(lambda: processed.total() >= 200)
            await wait_until(settled(queue))

        assert sorted(processed) == list(range(200))
        assert set(processed.values()) == {1}
        assert len(by_consumer) >= 2
        assert (await queue.stats()).depth == 0

    async def test_stop_finishes_message_in_hand_and_hands_back_the_rest(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client, batch_size=5)
        for n in range(5):
            await queue.enqueue({"n": n})
        stop = asyncio.Event()
        finished: list[int] = []

        async def slow_first(message: Message) -> None:
            stop.set()
            await asyncio.sleep(0.2)
            finished.append(message.payload["n"])

        await asyncio.wait_for(
            queue.run_consumer(slow_first, consumer_name="stopping", stop_event=stop), timeout=30
        )
        assert finished == [0]
        stats = await queue.stats()
        assert (stats.depth, stats.pending) == (4, 0)

        rest: list[Message] = []
        async with consuming(queue, recorder(rest), name="next"):
            await wait_until(lambda: len(rest) == 4)
        assert sorted(m.payload["n"] for m in rest) == [1, 2, 3, 4]
        assert {m.attempt for m in rest} == {1}

    async def test_goes_on_when_the_cancellation_of_its_claims_renewal_is_lost(
        self, redis_url: str
    ) -> None:
        client = cancellation_losing_client(redis_url)
        try:
            queue = make_queue(client, visibility_timeout_seconds=0.6)
            handled: list[int] = []

            async def finish_while_the_claim_is_renewed(message: Message) -> None:
                if not handled:
                    await client.lose_next_cancellation(scripts.EXTEND).wait()
                handled.append(message.payload["n"])

            for n in range(2):
                await queue.enqueue({"n": n})
            async with consuming(queue, finish_while_the_claim_is_renewed):
                await wait_until(lambda: len(handled) == 2)
            assert client.lost.is_set()
            stats = await queue.stats()
            assert (stats.depth, stats.pending) == (0, 0)
        finally:
            await client.aclose()

    async def test_idle_consumer_exits_on_stop(self, redis_client: redis.asyncio.Redis) -> None:
        queue = make_queue(redis_client, block_ms=200)
        stop = asyncio.Event()
        task = asyncio.create_task(
            queue.run_consumer(recorder([]), consumer_name="idle", stop_event=stop)
        )
        await wait_until(reading(redis_client))
        stop.set()
        await asyncio.wait_for(task, timeout=30)
        assert task.exception() is None

    async def test_recovers_when_the_stream_is_deleted_under_it(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client)
        producer = WorkQueue(redis_client, queue.stream)
        await producer.ensure_group()
        handled: list[Message] = []
        async with consuming(queue, recorder(handled)):
            await wait_until(reading(redis_client))
            await redis_client.delete(queue.stream)  # e.g. Redis restarted without persistence
            await producer.enqueue({"n": 1})
            await wait_until(lambda: len(handled) == 1)
        assert handled[0].payload == {"n": 1}

    async def test_malformed_entry_is_dead_lettered(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client)
        await queue.ensure_group()
        bad_id = await redis_client.xadd(queue.stream, {"payload": "{not json", "attempt": "1"})
        handled: list[Message] = []
        async with consuming(queue, recorder(handled)):
            await wait_until(dead_letters_reach(redis_client, queue, 1))

        (dead,) = (await queue.list_dead_letters()).items
        assert dead.error_type == "MalformedMessage"
        assert dead.failed_id == bad_id.decode()
        assert handled == []


@pytest.mark.asyncio
class TestCrashRecovery:
    @pytest.mark.slow
    async def test_killed_consumer_message_is_redelivered_after_visibility_timeout(
        self, redis_client: redis.asyncio.Redis, redis_url: str
    ) -> None:
        visibility = 3.0
        queue = make_queue(redis_client, visibility_timeout_seconds=visibility)
        entry_id = await queue.enqueue({"orderId": "o-7"})
        process = await start_consumer_process(redis_url, queue, "doomed")
        try:
            assert await announced(process) == (entry_id, 1)
            handled: list[Message] = []
            async with consuming(queue, recorder(handled), name="survivor"):
                # While its owner is alive (and slow), it renews its claim, so the message stays
                # with it: never idle for a visibility timeout, it cannot be taken.
                await wait_until(claim_renewed(redis_client, queue, entry_id))
                [entry] = await redis_client.xpending_range(queue.stream, queue.group, "-", "+", 1)
                assert (entry["consumer"], entry["times_delivered"]) == (b"doomed", 1)
                assert handled == []
                process.kill()
                killed_at = time.monotonic()
                await wait_until(lambda: len(handled) == 1)
                redelivered_after = time.monotonic() - killed_at
        finally:
            await kill(process)

        (message,) = handled
        assert (message.id, message.attempt, message.payload) == (entry_id, 2, {"orderId": "o-7"})
        # Not before the visibility timeout, counted from the owner's last renewal (a third of
        # it at most before the kill). Load can only make this later.
        assert redelivered_after >= visibility * 2 / 3
        stats = await queue.stats()
        assert (stats.depth, stats.pending, stats.dead_letters) == (0, 0, 0)

    @pytest.mark.slow
    async def test_poison_message_that_keeps_crashing_consumers_is_dead_lettered(
        self, redis_client: redis.asyncio.Redis, redis_url: str
    ) -> None:
        queue = make_queue(redis_client, visibility_timeout_seconds=0.5, max_attempts=2)
        processes = [await start_consumer_process(redis_url, queue, f"p{i}") for i in (1, 2)]
        try:
            entry_id = await queue.enqueue({"poison": True})
            readers = {asyncio.create_task(announced(p)): p for p in processes}
            for expected_attempt in (1, 2):
                done, _ = await asyncio.wait(readers, return_when=asyncio.FIRST_COMPLETED)
                for reader in done:
                    assert reader.result() == (entry_id, expected_attempt)
                    await kill(readers.pop(reader))
            handled: list[Message] = []
            async with consuming(queue, recorder(handled), name="healthy"):
                await wait_until(dead_letters_reach(redis_client, queue, 1))
        finally:
            for process in processes:
                await kill(process)

        assert handled == []
        (dead,) = (await queue.list_dead_letters()).items
        assert (dead.error_type, dead.attempts) == ("DeliveryLimitExceeded", 2)
        assert dead.original_id == entry_id
        assert (await queue.stats()).depth == 0


@pytest.mark.asyncio
class TestRetries:
    async def test_failure_is_retried_after_backoff_without_blocking_other_messages(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client, base_backoff_seconds=600, max_backoff_seconds=600)
        calls: list[tuple[str, int]] = []

        async def fail_first_attempt_of_a(message: Message) -> None:
            calls.append((message.payload["name"], message.attempt))
            if message.payload["name"] == "a" and message.attempt == 1:
                raise UpstreamUnavailable("ERP unavailable")

        await queue.enqueue({"name": "a"})
        await queue.enqueue({"name": "b"})
        async with consuming(queue, fail_first_attempt_of_a):
            await wait_until(lambda: len(calls) == 2)
            await wait_until(settled(queue))
            assert (await queue.stats()).scheduled_retries == 1
            [(_, due_ms)] = await redis_client.zrange(queue.retry_key, 0, -1, withscores=True)
            seconds, micros = await redis_client.time()
            # Equal jitter: at least half of the 600 s backoff, at most all of it.
            assert 300 - 60 <= due_ms / 1000 - (seconds + micros / 1e6) <= 600
            await make_retries_due(redis_client, queue)
            await wait_until(lambda: len(calls) == 3)

        assert calls == [("a", 1), ("b", 1), ("a", 2)], "b went on while a waited for its retry"
        assert (await queue.stats()).scheduled_retries == 0

    async def test_exhausted_message_is_dead_lettered_then_replayed_to_completion(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        started = datetime.now(UTC).replace(microsecond=0)
        queue = make_queue(redis_client, max_attempts=3)
        entry_id = await queue.enqueue({"quoteId": "q-9"})
        attempts: list[int] = []

        async def always_fail(message: Message) -> None:
            attempts.append(message.attempt)
            raise ValueError(f"boom on attempt {message.attempt}")

        async with consuming(queue, always_fail):
            await wait_until(dead_letters_reach(redis_client, queue, 1))
        assert attempts == [1, 2, 3]
        page = await queue.list_dead_letters()
        (dead,) = page.items
        assert (dead.error_type, dead.error_message) == ("ValueError", "boom on attempt 3")
        assert (dead.attempts, dead.original_id, dead.payload) == (3, entry_id, {"quoteId": "q-9"})
        assert started <= datetime.fromisoformat(dead.dead_lettered_at) <= datetime.now(UTC)
        assert page.next_cursor is None

        replayed_id = await queue.replay_dead_letter(dead.id)
        assert (await queue.list_dead_letters()).items == []
        handled: list[Message] = []
        async with consuming(queue, recorder(handled), name="healthy"):
            await wait_until(lambda: len(handled) == 1)
        (message,) = handled
        assert (message.id, message.attempt, message.original_id) == (replayed_id, 1, entry_id)
        stats = await queue.stats()
        assert (stats.depth, stats.scheduled_retries, stats.dead_letters) == (0, 0, 0)
        assert sample("trivium_queue_messages_total", stream=queue.stream, outcome="retried") == 2
        assert sample("trivium_queue_messages_total", stream=queue.stream, outcome="replayed") == 1

    async def test_redis_away_in_the_handler_is_retried_as_the_same_attempt_never_dead_lettered(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client, max_attempts=2)
        await queue.enqueue({"orderId": "o-3"})
        away = [
            redis.exceptions.ConnectionError("Connection closed by server."),
            redis.exceptions.BusyLoadingError("Redis is loading the dataset in memory"),
            redis.exceptions.ReadOnlyError("You can't write against a read only replica."),
            redis.exceptions.TimeoutError("Timeout reading from socket"),
        ]
        attempts: list[int] = []

        async def redis_away_four_times(message: Message) -> None:
            attempts.append(message.attempt)
            if away:
                raise away.pop(0)

        async with consuming(queue, redis_away_four_times):
            await wait_until(lambda: len(attempts) == 5)
            await wait_until(settled(queue))
            assert (await queue.stats()).scheduled_retries == 0
        assert attempts == [1, 1, 1, 1, 1]
        assert (await queue.list_dead_letters()).items == []
        assert sample("trivium_queue_messages_total", stream=queue.stream, outcome="retried") == 4
        assert sample("trivium_queue_messages_total", stream=queue.stream, outcome="acked") == 1

    async def test_transient_retries_back_off_longer_each_time(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client, base_backoff_seconds=100, max_backoff_seconds=10_000)
        await queue.enqueue({"orderId": "o-4"})
        attempts: list[int] = []

        async def redis_away(message: Message) -> None:
            attempts.append(message.attempt)
            raise redis.exceptions.ConnectionError("Error 111 connecting. Connection refused.")

        delays: list[float] = []
        async with consuming(queue, redis_away):
            for _ in range(3):
                await wait_until(lambda: len(attempts) == len(delays) + 1)
                await wait_until(scheduled_retries(queue, 1))
                [(_, due_ms)] = await redis_client.zrange(queue.retry_key, 0, -1, withscores=True)
                seconds, micros = await redis_client.time()
                delays.append(due_ms / 1000 - (seconds + micros / 1e6))
                await make_retries_due(redis_client, queue)
        assert attempts == [1, 1, 1]
        # Equal jitter under ceilings of 100, 200 and 400 s (less the time the test took).
        ceilings = [100, 200, 400]
        assert all(c / 2 - 10 <= d <= c for c, d in zip(ceilings, delays, strict=True)), delays

    async def test_a_retry_waits_at_least_the_retry_after_the_handler_names(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client, base_backoff_seconds=1, max_backoff_seconds=600)
        await queue.enqueue({"requestId": "r-1"})
        attempts: list[int] = []

        async def claimed_by_a_dead_replica(message: Message) -> None:
            attempts.append(message.attempt)
            raise RetryLater("ERP: request in progress", after_seconds=45)

        async with consuming(queue, claimed_by_a_dead_replica):
            await wait_until(scheduled_retries(queue, 1))
            [(_, due_ms)] = await redis_client.zrange(queue.retry_key, 0, -1, withscores=True)
            seconds, micros = await redis_client.time()
        # Not the first attempt's backoff of 0.5 to 1 s (less the time the test took).
        assert 45 - 10 <= due_ms / 1000 - (seconds + micros / 1e6) <= 45
        assert attempts == [1]

    async def test_the_retry_after_a_handler_names_is_capped_at_the_longest_backoff(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client, base_backoff_seconds=1, max_backoff_seconds=30)
        await queue.enqueue({"requestId": "r-2"})

        async def asks_for_an_hour(message: Message) -> None:
            raise RetryLater("ERP: come back in an hour", after_seconds=3600)

        async with consuming(queue, asks_for_an_hour):
            await wait_until(scheduled_retries(queue, 1))
            [(_, due_ms)] = await redis_client.zrange(queue.retry_key, 0, -1, withscores=True)
            seconds, micros = await redis_client.time()
        assert 30 - 10 <= due_ms / 1000 - (seconds + micros / 1e6) <= 30

    async def test_a_retry_after_does_not_add_attempts(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(
            redis_client, max_attempts=3, base_backoff_seconds=1, max_backoff_seconds=600
        )
        await queue.enqueue({"requestId": "r-3"})
        attempts: list[int] = []

        async def always_in_progress(message: Message) -> None:
            attempts.append(message.attempt)
            raise RetryLater("ERP: request in progress", after_seconds=45)

        async with consuming(queue, always_in_progress):
            for retries in (1, 2):
                await wait_until(scheduled_retries(queue, 1))
                await make_retries_due(redis_client, queue)
                await wait_until(lambda retries=retries: len(attempts) == retries + 1)
            await wait_until(dead_letters_reach(redis_client, queue, 1))
        assert attempts == [1, 2, 3]
        (dead,) = (await queue.list_dead_letters()).items
        assert (dead.error_type, dead.attempts) == ("RetryLater", 3)

    async def test_permanent_failure_is_dead_lettered_without_retry(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client)
        await queue.enqueue({"customer": "unknown"})
        attempts: list[int] = []

        async def reject(message: Message) -> None:
            attempts.append(message.attempt)
            raise PermanentFailure("customer does not exist in the ERP")

        async with consuming(queue, reject):
            await wait_until(dead_letters_reach(redis_client, queue, 1))
        stats = await queue.stats()
        assert (stats.depth, stats.pending, stats.scheduled_retries) == (0, 0, 0), "no retry"
        assert attempts == [1]
        (dead,) = (await queue.list_dead_letters()).items
        assert (dead.error_type, dead.attempts) == ("PermanentFailure", 1)
        assert dead.error_message == "customer does not exist in the ERP"


class TestPromoteDueRetries:
    @pytest.mark.asyncio
    async def test_racing_consumers_move_each_due_retry_once(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client, base_backoff_seconds=600, max_backoff_seconds=600)
        other = WorkQueue(redis_client, queue.stream)
        for n in range(20):
            await queue.enqueue({"n": n})
        failed: list[Message] = []

        async def fail(message: Message) -> None:
            failed.append(message)
            raise RuntimeError("transient")

        async with consuming(queue, fail):
            await wait_until(lambda: len(failed) == 20)
            await wait_until(settled(queue))
        assert await redis_client.zcard(queue.retry_key) == 20
        assert await queue.promote_due_retries() == 0, "none is due yet"
        await make_retries_due(redis_client, queue)

        moved = await asyncio.gather(
            *(q.promote_due_retries() for q in (queue, other) for _ in range(3))
        )
        assert sum(moved) == 20
        assert await redis_client.xlen(queue.stream) == 20
        assert await redis_client.zcard(queue.retry_key) == 0


class TestComputeBackoff:
    def test_grows_exponentially_with_jitter_up_to_the_cap(self) -> None:
        rng = random.Random(7)
        for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (80, 10.0)]:
            delays = [
                compute_backoff(attempt, base_seconds=1.0, max_seconds=10.0, rng=rng)
                for _ in range(50)
            ]
            assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
            assert len(set(delays)) > 1


class TestListDeadLetters:
    @pytest.mark.asyncio
    async def test_pages_oldest_first_with_a_cursor(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = await queue_with_dead_letters(redis_client, 3)
        first = await queue.list_dead_letters(limit=2)
        assert [d.payload for d in first.items] == [{"n": 0}, {"n": 1}]
        assert first.next_cursor == first.items[-1].id
        second = await queue.list_dead_letters(limit=2, cursor=first.next_cursor)
        assert [d.payload for d in second.items] == [{"n": 2}]
        assert second.next_cursor is None


@pytest.mark.asyncio
class TestReplayDeadLetter:
    async def test_unknown_dead_letter_is_not_found(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client)
        with pytest.raises(DeadLetterNotFound):
            await queue.replay_dead_letter("1-0")

    async def test_replayed_twice_only_once(self, redis_client: redis.asyncio.Redis) -> None:
        queue = await queue_with_dead_letters(redis_client, 1)
        (dead,) = (await queue.list_dead_letters()).items
        outcomes = await asyncio.gather(
            queue.replay_dead_letter(dead.id),
            queue.replay_dead_letter(dead.id),
            return_exceptions=True,
        )
        assert sorted(type(o).__name__ for o in outcomes) == ["DeadLetterNotFound", "str"]
        assert await redis_client.xlen(queue.stream) == 1

    async def test_the_replay_continues_the_trace_the_work_was_queued_in(
        self, redis_client: redis.asyncio.Redis, recorded_spans: InMemorySpanExporter
    ) -> None:
        caller = {"traceparent": f"00-{'a' * 32}-{'b' * 16}-01", "tracestate": "vendor=1"}
        token = otel_context.attach(extract_trace_context(caller))
        try:
            queue = await queue_with_dead_letters(redis_client, 1)
        finally:
            otel_context.detach(token)
        [(dead_id, dead)] = await redis_client.xrange(queue.dead_stream)
        assert dead[b"tracestate"] == b"vendor=1"
        recorded_spans.clear()

        with tracer().start_as_current_span("POST /dead-letters/{id}/replay") as operator:
            replayed_id = await queue.replay_dead_letter(dead_id.decode())
        [(_, fields)] = await redis_client.xrange(queue.stream)
        handled: list[Message] = []
        async with consuming(queue, recorder(handled), name="healthy"):
            await wait_until(lambda: len(handled) == 1)
            await wait_until(settled(queue))

        spans = {span.name: span for span in recorded_spans.get_finished_spans()}
        publish, process = spans[f"{queue.stream} publish"], spans[f"{queue.stream} process"]
        assert {publish.context.trace_id, process.context.trace_id} == {int("a" * 32, 16)}
        assert process.parent is not None
        assert process.parent.span_id == publish.context.span_id
        assert publish.attributes is not None
        assert publish.attributes["messaging.message.id"] == replayed_id
        assert [link.context for link in publish.links] == [operator.get_span_context()]
        assert (fields[b"traceparent"].decode(), fields[b"tracestate"]) == (
            traceparent(publish),
            b"vendor=1",
        )


class TestReplayAllDeadLetters:
    @pytest.mark.asyncio
    async def test_every_dead_letter_is_enqueued_again(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = await queue_with_dead_letters(redis_client, 3)
        assert await queue.replay_all_dead_letters() == 3
        handled: list[Message] = []
        async with consuming(queue, recorder(handled), name="healthy"):
            await wait_until(lambda: len(handled) == 3)
        assert sorted(m.payload["n"] for m in handled) == [0, 1, 2]
        assert (await queue.stats()).dead_letters == 0
        assert await queue.replay_all_dead_letters() == 0


class TestDiscardDeadLetter:
    @pytest.mark.asyncio
    async def test_discarded_dead_letter_is_gone(self, redis_client: redis.asyncio.Redis) -> None:
        queue = await queue_with_dead_letters(redis_client, 1)
        (dead,) = (await queue.list_dead_letters()).items
        await queue.discard_dead_letter(dead.id)
        assert (await queue.list_dead_letters()).items == []
        with pytest.raises(DeadLetterNotFound):
            await queue.discard_dead_letter(dead.id)


class TestStats:
    @pytest.mark.asyncio
    async def test_counts_lag_pending_and_sets_gauges(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = make_queue(redis_client)
        for n in range(3):
            await queue.enqueue({"n": n})
        await redis_client.xreadgroup(queue.group, "peek", {queue.stream: ">"}, count=1)

        stats = await queue.stats()
        assert (stats.depth, stats.lag, stats.pending) == (3, 2, 1)
        assert (stats.scheduled_retries, stats.dead_letters) == (0, 0)
        assert sample("trivium_queue_depth", stream=queue.stream) == 3
        assert sample("trivium_dead_letter_depth", stream=queue.stream) == 0


async def queue_with_dead_letters(client: redis.asyncio.Redis, count: int) -> WorkQueue:
    """A queue whose dead-letter stream holds `count` messages {"n": 0..count-1}, in order."""
    queue = make_queue(client)
    for n in range(count):
        await queue.enqueue({"n": n})

    async def reject(message: Message) -> None:
        raise PermanentFailure("rejected")

    async with consuming(queue, reject, name="rejecter"):
        await wait_until(dead_letters_reach(client, queue, count))
    return queue
