"""In-process plugins: on the event loop when they declare it safe, else on a worker thread;
their Redis calls awaited on the loop."""

from __future__ import annotations

import asyncio
import textwrap
import threading
from pathlib import Path

import pytest
import redis

from trivium_gateway.context import RequestContext
from trivium_gateway.entities import DeclarativeConfig, PluginInstance, Route, Service
from trivium_gateway.external.in_process import InProcessPlugins
from trivium_gateway.headers import Headers
from trivium_gateway.loop_bridge import run_bridged, wait_on_loop
from trivium_gateway.pdk import Pdk

pytestmark = pytest.mark.asyncio

# Sets a header naming the thread it ran on and what Redis answered.
PROBE = """
import threading
from trivium_gateway.plugin_support import redis_client

version = "1.0.0"
priority = 10
{declaration}
Schema = ({{"redis_url": {{"type": "string", "required": True}}}},)


class Plugin:
    def __init__(self, config):
        self.redis = redis_client(config["redis_url"], timeout_ms=1000)
        self.script = self.redis.register_script("return redis.call('INCR', KEYS[1])")

    def access(self, kong):
        count = self.script(keys=["{name}:count"], args=[])
        self.redis.set("{name}:seen", "yes")
        seen = self.redis.get("{name}:seen").decode()
        kong.service.request.set_header(
            "X-{name}", f"{{threading.current_thread().name}} {{count}} {{seen}}"
        )
"""


def write_probe(folder: Path, name: str, *, loop_safe: bool) -> None:
    declaration = "event_loop_safe = True" if loop_safe else ""
    (folder / f"{name}.py").write_text(
        textwrap.dedent(PROBE).format(declaration=declaration, name=name)
    )


def request_context() -> RequestContext:
    service = Service(
        id="s", name="s", protocol="http", host="127.0.0.1", port=9, path=None, retries=0,
        connect_timeout_ms=1000, read_timeout_ms=1000, write_timeout_ms=1000, entity={},
    )  # fmt: skip
    route = Route(
        id="r", name="r", service_id="s", protocols=frozenset({"http"}), methods=None, hosts=(),
        paths=("/",), strip_path=False, preserve_host=False, path_handling="v0",
        regex_priority=0, entity={},
    )  # fmt: skip
    return RequestContext(
        method="GET", scheme="http", host="127.0.0.1", port=8000, path="/", raw_path="/",
        query="", headers=Headers(), client_ip="127.0.0.1", client_port=1, route=route,
        service=service, request_id="request",
    )  # fmt: skip


class TestRunGroup:
    async def test_declared_plugins_run_on_the_loop_others_on_threads(
        self, tmp_path: Path, redis_url: str
    ):
        write_probe(tmp_path, "on-loop", loop_safe=True)
        write_probe(tmp_path, "on-thread", loop_safe=False)
        instances = [
            PluginInstance(
                id=name, name=name, config={"redis_url": redis_url}, priority=10, external=True
            )
            for name in ("on-loop", "on-thread")
        ]
        config = DeclarativeConfig(
            services={}, routes=(), consumers={}, keyauth_credentials={}, jwt_secrets={},
            plugins=tuple(instances),
        )  # fmt: skip
        plugins = InProcessPlugins(tmp_path, threads=2)
        await plugins.start(instances, Pdk(config))
        try:
            ctx = request_context()
            await plugins.run_group([lambda _, i=i: i for i in instances], "access", ctx)
            await plugins.run_group([lambda _, i=i: i for i in instances], "access", ctx)
        finally:
            await plugins.close()

        loop_thread = threading.current_thread().name
        assert ctx.upstream_headers.get("x-on-loop") == f"{loop_thread} 2 yes"
        thread, count, seen = (ctx.upstream_headers.get("x-on-thread") or "").split()
        assert thread.startswith("plugin")
        assert (count, seen) == ("2", "yes")


class TestRunBridged:
    async def test_waits_are_awaited_on_the_loop(self):
        async def answer(value: int) -> int:
            await asyncio.sleep(0)
            return value * 2

        def work(value: int) -> tuple[int, str]:
            return wait_on_loop(answer(value)) + 1, threading.current_thread().name

        assert await run_bridged(work, 20) == (41, threading.current_thread().name)

    async def test_an_awaited_failure_is_raised_where_it_was_awaited(self):
        async def fail() -> None:
            raise redis.ConnectionError("down")

        def work() -> str:
            try:
                wait_on_loop(fail())
            except redis.ConnectionError as error:
                return f"handled {error}"
            return "not raised"

        assert await run_bridged(work) == "handled down"

    async def test_the_function_s_own_failure_propagates(self):
        def work() -> None:
            raise ValueError("broken")

        with pytest.raises(ValueError, match="broken"):
            await run_bridged(work)

    async def test_waiting_outside_a_bridged_call_is_refused(self):
        async def nothing() -> None:
            return None

        awaitable = nothing()
        with pytest.raises(RuntimeError):
            wait_on_loop(awaitable)
        awaitable.close()
