"""Consumers run for a block, then stop and get a grace period to finish."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
import redis.asyncio

from trivium.app import create_service_app
from trivium.composition import container_of
from trivium.health import ReadinessCheck
from trivium.idempotency import IdempotencyStore
from trivium.service_auth import ServiceTokenIssuer
from trivium.settings import ServiceSettings
from trivium.work_queue import Message, WorkQueue
from trivium.work_queue.runner import (
    lifespan_with_worker_pool,
    run_pool_with_wakeups,
    running_consumers,
)

pytestmark = pytest.mark.asyncio


class TestRunningConsumers:
    async def test_the_consumers_run_during_the_block_and_finish_after_it(self) -> None:
        seen: list[str] = []
        started = asyncio.Event()

        async def consume(stop: asyncio.Event) -> None:
            seen.append("started")
            started.set()
            await stop.wait()
            await asyncio.sleep(0)  # the message in hand
            seen.append("finished")

        # The grace period only ends a consumer that hangs.
        async with running_consumers(consume, grace_seconds=30, name="ledger"):
            await started.wait()
            assert seen == ["started"]
        assert seen == ["started", "finished"]

    async def test_consumers_that_outlast_the_grace_period_are_left_behind(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        async def consume(stop: asyncio.Event) -> None:
            await asyncio.Event().wait()  # never finishes

        with caplog.at_level(logging.WARNING, logger="trivium.work_queue.runner"):
            async with running_consumers(consume, grace_seconds=0.05, name="ledger"):
                pass
        assert [record.message for record in caplog.records] == ["worker.stop_timeout"]


class TestRunPoolWithWakeups:
    async def test_woken_work_is_queued_and_handled_until_stopped(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = WorkQueue(redis_client, "{ledger}:work")
        due = ["a", "b"]
        handled: list[str] = []
        stop = asyncio.Event()

        async def wake_once() -> int:
            woken = list(due)
            due.clear()
            for item in woken:
                await queue.enqueue({"item": item})
            return len(woken)

        async def handle(message: Message) -> None:
            handled.append(message.payload["item"])
            if len(handled) == 2:
                stop.set()

        await asyncio.wait_for(
            run_pool_with_wakeups(
                queue, handle, wake_once, stop=stop, concurrency=2, name="ledger",
                batch=10, poll_seconds=0.01,
            ),
            timeout=30,
        )  # fmt: skip
        assert sorted(handled) == ["a", "b"]


@dataclass(frozen=True)
class Ledger:
    """A container whose worker pool records its concurrency and how long it ran."""

    runs: list[str]
    idempotency: IdempotencyStore
    readiness: Mapping[str, ReadinessCheck]

    def worker_pool(self, concurrency: int) -> Ledger.Pool:
        return Ledger.Pool(self.runs, concurrency)

    @dataclass(frozen=True)
    class Pool:
        runs: list[str]
        concurrency: int

        async def run(self, stop: asyncio.Event) -> None:
            self.runs.append(f"started with {self.concurrency}")
            await stop.wait()
            self.runs.append("stopped")


class TestLifespanWithWorkerPool:
    async def test_the_container_is_installed_and_its_pool_runs_while_the_app_serves(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        settings = ServiceSettings(service_name="ledger", log_format="text")
        runs: list[str] = []
        built: list[str] = []

        @asynccontextmanager
        async def bootstrap(
            settings: ServiceSettings, *, issuer: ServiceTokenIssuer
        ) -> AsyncIterator[Ledger]:
            built.append(issuer.issuer)
            yield Ledger(runs, IdempotencyStore(redis_client, service="ledger"), {})

        app = create_service_app(
            settings,
            title="ledger",
            lifespan=lifespan_with_worker_pool(settings, bootstrap, concurrency=3),
        )
        async with app.router.lifespan_context(app):
            await asyncio.sleep(0)
            assert isinstance(container_of(app, Ledger), Ledger)
            assert runs == ["started with 3"]
        assert built == ["ledger"]
        assert runs == ["started with 3", "stopped"]
