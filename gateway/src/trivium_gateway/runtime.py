"""Everything the running gateway is made of, built from its settings and kong.yml."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import aiohttp
from yarl import URL

from trivium.redis_client import AsyncRedis, create_redis
from trivium_gateway.bundled import BundledDeps, BundledPlugin, bundled_factories
from trivium_gateway.declarative import env_vault, load_declarative
from trivium_gateway.entities import DeclarativeConfig, PluginInstance, PluginSpec, Service
from trivium_gateway.external import ExternalPlugins, phases_from_info, spec_from_info
from trivium_gateway.external.in_process import InProcessPlugins
from trivium_gateway.external.plugin_server import PluginServerPlugins, PluginServerProcess
from trivium_gateway.kong_schemas import BUNDLED_PLUGINS
from trivium_gateway.pdk import Pdk
from trivium_gateway.pipeline import Pipeline
from trivium_gateway.plugin_metrics import plugin_metrics
from trivium_gateway.router import Router
from trivium_gateway.settings import GatewaySettings

# aiohttp would add these itself; a proxy sends only what the client sent.
SKIPPED_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")
UpstreamBody = bytes | Any | None
METRICS_FOLDER = "metrics"


def bundled_specs() -> dict[str, PluginSpec]:
    """The loader's view of the bundled plugins."""
    return {
        name: PluginSpec(
            name=name, fields=plugin.fields, priority=plugin.priority, check=plugin.check
        )
        for name, plugin in BUNDLED_PLUGINS.items()
    }


def with_redis(config: DeclarativeConfig, redis_url: str) -> DeclarativeConfig:
    """The configuration with every Python plugin's `redis_url` pointing at `redis_url`."""
    plugins = tuple(
        dataclasses.replace(plugin, config={**plugin.config, "redis_url": redis_url})
        if plugin.external and "redis_url" in plugin.config
        else plugin
        for plugin in config.plugins
    )
    return dataclasses.replace(config, plugins=plugins)


class GatewayRuntime:
    """The loaded configuration, router, plugins and upstream connection pool."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        config: DeclarativeConfig,
        external: ExternalPlugins,
        pipeline: Pipeline,
        redis_client: AsyncRedis,
        session: aiohttp.ClientSession,
        socket_dir: Path | None,
        metrics_dir: Path | None,
    ) -> None:
        self.settings = settings
        self.config = config
        self.external = external
        self.pipeline = pipeline
        self.router = Router(config)
        self.redis = redis_client
        self.session = session
        self.buffer_bytes = settings.buffer_bytes
        self._socket_dir = socket_dir
        self._metrics_dir = metrics_dir
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timeouts = {
            service.id: aiohttp.ClientTimeout(
                total=None,
                sock_connect=service.connect_timeout_ms / 1000,
                sock_read=service.read_timeout_ms / 1000,
            )
            for service in config.services.values()
        }

    @classmethod
    async def start(cls, settings: GatewaySettings) -> GatewayRuntime:
        """Start the plugin runner, load kong.yml against the plugins it has, start instances."""
        external, socket_dir = await _start_external(settings)
        metrics_dir = _plugin_metrics_dir(settings, external, socket_dir)
        if metrics_dir is not None:
            plugin_metrics().add_folder(metrics_dir)
        try:
            infos = await external.plugin_infos()
            specs = bundled_specs() | {name: spec_from_info(info) for name, info in infos.items()}
            signing = settings.service_key_file
            environment = {
                **os.environ,
                **({"TRIVIUM_SERVICE_KEY_FILE": str(signing)} if signing is not None else {}),
            }
            config = load_declarative(
                settings.config_path, plugins=specs, resolve=env_vault(environment)
            )
            if settings.override_plugin_redis:
                config = with_redis(config, settings.redis_url)
            redis_client = create_redis(settings.redis_url)
            deps = BundledDeps(config=config, redis=redis_client)
            factories = bundled_factories()
            bundled: dict[str, BundledPlugin] = {
                plugin.id: factories[plugin.name](plugin, deps)
                for plugin in config.plugins
                if not plugin.external
            }
            externals: list[PluginInstance] = [p for p in config.plugins if p.external]
            await external.start(externals, Pdk(config))
        except BaseException:
            await external.close()
            if metrics_dir is not None:
                plugin_metrics().remove_folder(metrics_dir)
            _remove(socket_dir)
            raise
        pipeline = Pipeline(
            config,
            bundled=bundled,
            external_phases={name: phases_from_info(info) for name, info in infos.items()},
            external=external,
        )
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=settings.upstream_max_connections,
                keepalive_timeout=settings.upstream_keepalive_seconds,
            ),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=SKIPPED_AUTO_HEADERS,
        )
        return cls(
            settings,
            config=config,
            external=external,
            pipeline=pipeline,
            redis_client=redis_client,
            session=session,
            socket_dir=socket_dir,
            metrics_dir=metrics_dir,
        )

    async def send_upstream(
        self,
        service: Service,
        method: str,
        url: URL,
        headers: list[tuple[str, str]],
        body: UpstreamBody,
    ) -> aiohttp.ClientResponse:
        """Send the request, retrying connections that fail before anything was sent."""
        attempts = 1 + (service.retries if body is None or isinstance(body, bytes) else 0)
        for attempt in range(1, attempts + 1):
            try:
                return await self.session.request(
                    method,
                    url,
                    headers=headers,
                    data=body,
                    allow_redirects=False,
                    timeout=self._timeouts[service.id],
                )
            except aiohttp.ClientConnectorError:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run work after the response (the log phase), keeping a reference until it ends."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.session.close()
        await self.external.close()
        await self.redis.aclose()
        if self._metrics_dir is not None:
            plugin_metrics().remove_folder(self._metrics_dir)
        _remove(self._socket_dir)


async def _start_external(settings: GatewaySettings) -> tuple[ExternalPlugins, Path | None]:
    if settings.plugin_mode == "in-process":
        return InProcessPlugins(settings.plugins_dir, threads=settings.plugin_threads), None
    if settings.plugin_server_socket:
        return PluginServerPlugins(
            settings.plugin_server_socket, event_timeout=settings.plugin_event_timeout_seconds
        ), None
    # Unix socket paths are short (108 bytes): a fresh directory under the system temp dir.
    socket_dir = settings.plugin_socket_dir or Path(tempfile.mkdtemp(prefix="tg-"))
    process = PluginServerProcess(
        plugins_dir=settings.plugins_dir,
        socket_dir=socket_dir,
        concurrency=settings.plugin_server_concurrency,
        metrics_dir=socket_dir / METRICS_FOLDER,
    )
    await process.start()
    runner = PluginServerPlugins(
        process.socket_path,
        process=process,
        event_timeout=settings.plugin_event_timeout_seconds,
    )
    return runner, socket_dir if settings.plugin_socket_dir is None else None


def _plugin_metrics_dir(
    settings: GatewaySettings, external: ExternalPlugins, socket_dir: Path | None
) -> Path | None:
    """Where the plugin server counts, when the gateway can read it."""
    plugin_metrics()  # in-process plugins count in this process: report them too
    if not isinstance(external, PluginServerPlugins):
        return None
    if external.process is not None:
        return external.process.metrics_dir
    return settings.plugin_metrics_dir


def _remove(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
