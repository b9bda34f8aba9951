"""Python plugins loaded into the gateway itself, with an in-process PDK object.

Plugin files are loaded by kong-pdk's own loader (`kong_pdk.module.Module`, as the plugin server
loads them) and handed kong-pdk's own `kong` object; only its channel differs: each PDK call is
answered at once from the `Pdk` table instead of crossing a socket.

Plugin code is synchronous. A plugin that says its only waits are Redis calls through
`plugin_support.redis_client` (module attribute `event_loop_safe = True`) runs on the event loop:
its Redis calls are awaited there (`loop_bridge`, `plugin_support.LoopRedis`), which saves the
hand-off to a worker thread and back that costs more than most phases' own work. Any other plugin
may block in ways the gateway cannot see, so its phases run on a worker thread, never on the loop.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # kong-pdk calls locale.getdefaultlocale() when imported, deprecated since Python 3.11.
    warnings.simplefilter("ignore", DeprecationWarning)
    from kong_pdk.module import Module
    from kong_pdk.pdk import Kong

from trivium.redis_client import AsyncRedis
from trivium_gateway.context import RequestContext
from trivium_gateway.entities import PluginInstance
from trivium_gateway.external import ExternalPluginError, Selector, plugin_info
from trivium_gateway.loop_bridge import run_bridged, wait_on_loop
from trivium_gateway.metrics import PLUGIN_ERRORS, PLUGIN_EVENT_SECONDS
from trivium_gateway.pdk import Pdk
from trivium_gateway.plugin_support import loop_redis_clients

PLUGIN_SUFFIXES = (".py",)


class _DirectChannel:
    """kong-pdk's channel protocol (put a call, get its answer), answered in place."""

    __slots__ = ("_answer", "_ctx", "_pdk", "_plugin")

    def __init__(self, pdk: Pdk, ctx: RequestContext, plugin: str) -> None:
        self._pdk = pdk
        self._ctx = ctx
        self._plugin = plugin
        self._answer: tuple[Any, str | None] = (None, None)

    def put(self, message: dict[str, Any]) -> None:
        self._answer = self._pdk.call(self._ctx, self._plugin, message["Method"], message["Args"])

    def get(self) -> tuple[Any, str | None]:
        return self._answer


def load_plugin_modules(plugins_dir: Path) -> dict[str, Module]:
    """Every plugin file of a directory, loaded as Kong's Python plugin server loads it."""
    modules = {}
    for path in sorted(plugins_dir.iterdir()):
        if path.suffix in PLUGIN_SUFFIXES and not path.name.startswith("_"):
            modules[path.stem] = Module(path.stem, path=str(path))
    return modules


@functools.lru_cache(maxsize=256)
def _event_seconds(plugin: str, phase: str) -> Any:
    # The labelled child, found once per plugin and phase (a lock and a look-up each time).
    return PLUGIN_EVENT_SECONDS.labels(plugin, phase, InProcessPlugins.mode)


def is_event_loop_safe(module: Module) -> bool:
    """Whether a plugin declares that it waits only on Redis through `plugin_support`."""
    return getattr(module.mod, "event_loop_safe", False) is True


class InProcessPlugins:
    """Runs Python plugins in this process: on the event loop those that declare it safe, the
    others on worker threads."""

    mode = "in-process"

    def __init__(self, plugins_dir: Path, *, threads: int = 16) -> None:
        self._modules = load_plugin_modules(plugins_dir)
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="plugin")
        self._instances: dict[str, Any] = {}
        # Instance ids of plugins that must not run on the event loop.
        self._on_threads: set[str] = set()
        self._redis: dict[tuple[str, int], AsyncRedis] = {}
        self._pdk: Pdk | None = None

    async def plugin_infos(self) -> dict[str, dict[str, Any]]:
        return {name: plugin_info(name, module) for name, module in self._modules.items()}

    async def start(self, instances: list[PluginInstance], pdk: Pdk) -> None:
        self._pdk = pdk
        with loop_redis_clients(self._redis):
            for instance in instances:
                # Kong hands plugins their configuration as JSON: the same types in both modes.
                config = json.loads(json.dumps(instance.config))
                module = self._modules[instance.name]
                self._instances[instance.id] = module.new(config).cls
                if not is_event_loop_safe(module):
                    self._on_threads.add(instance.id)

    async def run(self, instance: PluginInstance, phase: str, ctx: RequestContext) -> None:
        await self.run_group([lambda _: instance], phase, ctx)

    async def run_group(
        self, selectors: Sequence[Selector], phase: str, ctx: RequestContext
    ) -> None:
        await run_bridged(self._run_group, selectors, phase, ctx)

    def _run_group(self, selectors: Sequence[Selector], phase: str, ctx: RequestContext) -> None:
        for select in selectors:
            # Chosen when its turn comes: an earlier plugin may have set the consumer.
            instance = select(ctx)
            if instance is None:
                continue
            if instance.id in self._on_threads:
                loop = asyncio.get_running_loop()
                wait_on_loop(
                    loop.run_in_executor(self._executor, self._run_phase, instance, phase, ctx)
                )
            else:
                self._run_phase(instance, phase, ctx)
            if ctx.exit is not None:
                return

    def _run_phase(self, instance: PluginInstance, phase: str, ctx: RequestContext) -> None:
        assert self._pdk is not None
        plugin = self._instances[instance.id]
        started = time.perf_counter()
        try:
            kong = Kong(_DirectChannel(self._pdk, ctx, instance.name), lua_style=False).kong
            getattr(plugin, phase)(kong)
        except Exception as error:
            PLUGIN_ERRORS.labels(instance.name, phase).inc()
            raise ExternalPluginError(f"{instance.name} {phase}: {error!r}") from error
        finally:
            _event_seconds(instance.name, phase).observe(time.perf_counter() - started)

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        for client in self._redis.values():
            await client.aclose()
        self._redis.clear()
