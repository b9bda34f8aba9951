"""Python plugins run by Kong's real Python plugin server (kong-pdk), spoken to as Kong does.

The gateway starts `kong-python-pluginserver` on a Unix socket (or uses one already running, as
Kong does when no start command is set), creates one plugin instance per configured plugin
(`plugin.StartInstance` with the configuration as JSON) and, for each phase of each request,
runs Kong's bridge loop: `plugin.HandleEvent`, then for every PDK call the plugin makes, the call
is answered from the `Pdk` table and the answer sent back with the `plugin.Step*` method Kong
would use, until the plugin returns (`"ret"`). An instance the server has forgotten is started
again and the event retried, as Kong does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trivium_gateway.context import RequestContext
from trivium_gateway.entities import PluginInstance
from trivium_gateway.external import ExternalPluginError, Selector
from trivium_gateway.external.rpc import RpcClient, RpcConnection, RpcError
from trivium_gateway.metrics import PLUGIN_ERRORS, PLUGIN_EVENT_SECONDS
from trivium_gateway.pdk import TERMINAL_METHODS, Pdk
from trivium_gateway.plugin_metrics import MULTIPROC_ENV

log = logging.getLogger("trivium_gateway.plugin_server")

SOCKET_NAME = "python_pluginserver.sock"
# The Step method Kong answers each PDK call with (kong/runloop/plugin_servers/rpc/mp_rpc.lua).
STEP_METHODS = {
    "kong.client.get_credential": "plugin.StepCredential",
    "kong.client.load_consumer": "plugin.StepConsumer",
    "kong.client.get_consumer": "plugin.StepConsumer",
    "kong.client.authenticate": "plugin.StepCredential",
    "kong.node.get_memory_stats": "plugin.StepMemoryStats",
    "kong.router.get_route": "plugin.StepRoute",
    "kong.router.get_service": "plugin.StepService",
    "kong.request.get_query": "plugin.StepMultiMap",
    "kong.request.get_headers": "plugin.StepMultiMap",
    "kong.response.get_headers": "plugin.StepMultiMap",
    "kong.service.response.get_headers": "plugin.StepMultiMap",
}


class PluginServerProcess:
    """A kong-pdk plugin server started by the gateway, as Kong starts its `start_cmd`."""

    def __init__(
        self,
        *,
        plugins_dir: Path,
        socket_dir: Path,
        concurrency: str = "gevent",
        metrics_dir: Path | None = None,
    ) -> None:
        self.plugins_dir = plugins_dir
        self.socket_dir = socket_dir
        self.concurrency = concurrency
        self.metrics_dir = metrics_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> str:
        return str(self.socket_dir / SOCKET_NAME)

    def command(self) -> list[str]:
        """The server's command line (Kong's `pluginserver_<name>_start_cmd`)."""
        command = [
            sys.executable, "-m", "trivium_gateway.plugin_server_main",
            "--plugins-directory", str(self.plugins_dir),
            "--kong-prefix", str(self.socket_dir),
            "--no-lua-style",
        ]  # fmt: skip
        if self.concurrency == "gevent":
            command.append("--gevent")
        return command

    def environment(self) -> dict[str, str]:
        """The server's environment: ours, plus where it keeps its metrics."""
        environment = dict(os.environ)
        environment.pop(MULTIPROC_ENV, None)
        if self.metrics_dir is not None:
            self.metrics_dir.mkdir(parents=True, exist_ok=True)
            environment[MULTIPROC_ENV] = str(self.metrics_dir)
        return environment

    async def start(self, *, wait_seconds: float = 20.0) -> None:
        """Start the server and wait until its socket accepts connections."""
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        # Popen returns at once (fork and exec); the wait for the socket is asynchronous.
        self.process = subprocess.Popen(  # noqa: ASYNC220
            self.command(), stdin=subprocess.DEVNULL, env=self.environment()
        )
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"plugin server exited with {self.process.returncode}")
            with contextlib.suppress(OSError):
                connection = await RpcConnection.open(self.socket_path)
                connection.close()
                return
            await asyncio.sleep(0.05)
        await self.stop()
        raise TimeoutError(
            f"plugin server not listening on {self.socket_path} after {wait_seconds} s"
        )

    async def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after 5 s)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, 5)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)


class PluginServerPlugins:
    """Runs Python plugins through a plugin server's socket."""

    mode = "plugin-server"

    def __init__(
        self,
        socket_path: str,
        *,
        process: PluginServerProcess | None = None,
        event_timeout: float = 10.0,
        max_connections: int = 64,
    ) -> None:
        self.rpc = RpcClient(socket_path, max_connections=max_connections)
        self.process = process
        self.event_timeout = event_timeout
        self._instance_ids: dict[str, int] = {}
        self._instances: dict[str, PluginInstance] = {}
        self._pdk: Pdk | None = None

    async def plugin_infos(self) -> dict[str, dict[str, Any]]:
        status = await self.rpc.call("plugin.GetStatus")
        names = sorted((status or {}).get("Plugins") or {})
        return {name: await self.rpc.call("plugin.GetPluginInfo", name) for name in names}

    async def start(self, instances: list[PluginInstance], pdk: Pdk) -> None:
        self._pdk = pdk
        for instance in instances:
            self._instances[instance.id] = instance
            await self._start_instance(instance)

    async def _start_instance(self, instance: PluginInstance) -> int:
        status = await self.rpc.call(
            "plugin.StartInstance", {"Name": instance.name, "Config": json.dumps(instance.config)}
        )
        self._instance_ids[instance.id] = int(status["Id"])
        return int(status["Id"])

    async def run(self, instance: PluginInstance, phase: str, ctx: RequestContext) -> None:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.event_timeout):
                try:
                    await self._bridge(instance, phase, ctx)
                except RpcError as error:
                    if "no plugin instance" not in str(error).lower():
                        raise
                    log.warning("plugin_server.instance_restarted", extra={"plugin": instance.name})
                    await self._start_instance(instance)
                    await self._bridge(instance, phase, ctx)
        except (RpcError, OSError, TimeoutError) as error:
            PLUGIN_ERRORS.labels(instance.name, phase).inc()
            raise ExternalPluginError(f"{instance.name} {phase}: {error!r}") from error
        finally:
            PLUGIN_EVENT_SECONDS.labels(instance.name, phase, self.mode).observe(
                time.perf_counter() - started
            )

    async def run_group(
        self, selectors: Sequence[Selector], phase: str, ctx: RequestContext
    ) -> None:
        for select in selectors:
            instance = select(ctx)
            if instance is None:
                continue
            await self.run(instance, phase, ctx)
            if ctx.exit is not None:
                return

    async def _bridge(self, instance: PluginInstance, phase: str, ctx: RequestContext) -> None:
        """Kong's bridge loop for one event."""
        assert self._pdk is not None
        rpc = self.rpc
        step = await rpc.call(
            "plugin.HandleEvent",
            {"InstanceId": self._instance_ids[instance.id], "EventName": phase},
        )
        event_id = step["EventId"]
        exited = False
        while step["Data"] != "ret":
            call = step["Data"]
            method = call["Method"]
            result, error = self._pdk.call(ctx, instance.name, method, call.get("Args"))
            exited = exited or method in TERMINAL_METHODS
            step_method = "plugin.StepError" if error else STEP_METHODS.get(method, "plugin.Step")
            try:
                step = await rpc.call(
                    step_method, {"EventId": event_id, "Data": error if error else result}
                )
            except RpcError as failure:
                # After kong.response.exit the server may have finished the event already.
                if exited and "not found" in str(failure):
                    return
                raise

    async def close(self) -> None:
        for entity_id, instance_id in list(self._instance_ids.items()):
            with contextlib.suppress(RpcError, OSError):
                await self.rpc.call("plugin.CloseInstance", instance_id)
            self._instance_ids.pop(entity_id, None)
        await self.rpc.close()
        if self.process is not None:
            await self.process.stop()
