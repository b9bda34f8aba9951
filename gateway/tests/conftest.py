"""Fixtures of the gateway tests: the plugin modules, a real upstream, gateways in both modes.

The upstream (`echo_upstream.py`, its own process) stands in for the experience APIs: it answers
every path with what it received and verifies the gateway's signed identity as they do.
Gateways run the repository's kong.yml, rendered to point at it: `gateway` is a gateway process
per plugin mode shared by the session; `start_gateway` starts gateways in the test's event loop
for tests that change kong.yml or need two instances. Every gateway test runs in both modes.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio
import redis
import redis.asyncio
import uvicorn
import yaml
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from trivium.redis_discovery import RedisEndpoint, free_port
from trivium_gateway.entities import PluginSpec
from trivium_gateway.external import plugin_info, spec_from_info
from trivium_gateway.external.in_process import Module, load_plugin_modules
from trivium_gateway.external.plugin_server import SOCKET_NAME, PluginServerProcess
from trivium_gateway.main import create_app
from trivium_gateway.render import dump_config, render_config
from trivium_gateway.runtime import bundled_specs
from trivium_gateway.settings import GATEWAY_DIR, GatewaySettings
from trivium_testing.keys import session_keys
from trivium_testing.services import RunningService, start_service
from trivium_testing.stack import flush_db, redis_db, start_all

TESTS_DIR = Path(__file__).resolve().parent
GATEWAY_DB = 12
KONG_YML = GATEWAY_DIR / "kong.yml"
PLUGINS_DIR = GATEWAY_DIR / "plugins"
PLUGIN_MODES = ("plugin-server", "in-process")


def kong_document() -> dict[str, Any]:
    """The repository's kong.yml, parsed (a copy of its own for each caller to change)."""
    return copy.deepcopy(_parsed_kong_yml(KONG_YML.read_text()))


@functools.cache
def _parsed_kong_yml(text: str) -> dict[str, Any]:
    # Parsed once per content: PyYAML's pure-Python parser takes tens of milliseconds a time,
    # and the gateway's fixtures read the file for nearly every test.
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def consumer_credentials() -> dict[str, str]:
    """Demo API keys by consumer username, read from kong.yml."""
    return {
        consumer["username"]: consumer["keyauth_credentials"][0]["key"]
        for consumer in kong_document()["consumers"]
        if consumer.get("keyauth_credentials")
    }


# --- the upstream and in-loop servers ----------------------------------------------------------


@dataclass
class Served:
    url: str
    port: int
    server: uvicorn.Server
    task: asyncio.Task[None]
    app: Any
    status_url: str = ""


async def serve(app: Any, *, port: int | None = None) -> Served:
    """Run an ASGI app on a real 127.0.0.1 port in this event loop until it answers."""
    port = port or free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 30
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server stopped during startup")
        if time.monotonic() > deadline:
            raise TimeoutError("server did not start")
        await asyncio.sleep(0.01)
    return Served(f"http://127.0.0.1:{port}", port, server, task, app)


async def stop(served: Served) -> None:
    served.server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(served.task, 15)


@pytest.fixture(scope="session")
def upstream(trivium_run_dir: Path) -> Iterator[RunningService]:
    """The stand-in experience API (`echo_upstream.py`), one process for the session."""
    service = start_service(
        "echo_upstream:create_upstream",
        name="gateway-test-upstream",
        log_dir=trivium_run_dir / "logs",
        env={"PYTHONPATH": str(TESTS_DIR), **session_keys().env("partner-portal-experience")},
    )
    yield service
    service.stop()


# --- configuration --------------------------------------------------------------------------

ConfigWriter = Callable[..., Path]


def write_config(
    folder: Path,
    *,
    upstream_url: str,
    redis_url: str,
    tune: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """The repository's kong.yml pointed at an upstream and a Redis, tuned, in a new file."""
    document = render_config(
        kong_document(),
        upstreams={
            "partner-portal-experience": upstream_url,
            "partner-portal-page": upstream_url,
            "mobile-experience": upstream_url,
        },
        redis_url=redis_url,
    )
    if tune is not None:
        tune(document)
    path = folder / f"kong-{time.monotonic_ns()}.yml"
    path.write_text(dump_config(document))
    return path


@pytest.fixture
def write_kong_config(tmp_path: Path, redis_url: str) -> ConfigWriter:
    """Writes kong.yml for a gateway of this test (this test's Redis), with plugin changes."""

    def write(upstream_url: str, *, tune: Callable[[dict[str, Any]], None] | None = None) -> Path:
        return write_config(tmp_path, upstream_url=upstream_url, redis_url=redis_url, tune=tune)

    return write


# --- plugin server shared by the tests of a session -------------------------------------------


@dataclass(frozen=True)
class PluginServer:
    socket: str
    metrics_dir: Path


@pytest.fixture(scope="session")
def plugin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PluginServer]:
    """A real kong-pdk plugin server (gevent) for this test session; gateways connect to it."""
    folder = tmp_path_factory.mktemp("plugin-server")
    process = PluginServerProcess(
        plugins_dir=PLUGINS_DIR, socket_dir=folder, metrics_dir=folder / "metrics"
    )
    child = subprocess.Popen(process.command(), stdin=subprocess.DEVNULL, env=process.environment())
    path = str(folder / SOCKET_NAME)
    deadline = time.monotonic() + 30
    try:
        while not _accepts(path):
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the plugin server did not start")
            time.sleep(0.05)
        yield PluginServer(path, folder / "metrics")
    finally:
        child.terminate()
        child.wait(10)


def _accepts(path: str) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(path)
        except OSError:
            return False
        return True


# --- gateways -------------------------------------------------------------------------------


@pytest.fixture(params=PLUGIN_MODES)
def plugin_mode(request: pytest.FixtureRequest) -> str:
    """Each gateway test runs once per plugin mode: their decisions must agree."""
    mode: str = request.param
    return mode


GatewayStarter = Callable[..., Any]


@pytest_asyncio.fixture
async def start_gateway(
    redis_url: str, plugin_mode: str, plugin_server: PluginServer
) -> AsyncIterator[GatewayStarter]:
    """Start local gateways (in this loop, on real ports) for kong.yml files; stopped after."""
    running: list[Served] = []

    async def start(config_path: Path, **settings: Any) -> Served:
        options: dict[str, Any] = {
            "config_path": config_path,
            "status_port": free_port(),
            "plugins_dir": PLUGINS_DIR,
            "plugin_mode": plugin_mode,
            "redis_url": redis_url,
            **session_keys().settings("gateway"),
            "log_format": "text",
        }
        if plugin_mode == "plugin-server":
            options["plugin_server_socket"] = plugin_server.socket
            options["plugin_metrics_dir"] = plugin_server.metrics_dir
        chosen = GatewaySettings(**(options | settings))
        app: FastAPI = create_app(chosen)
        served = await serve(app)
        served.status_url = f"http://{chosen.status_host}:{chosen.status_port}"
        running.append(served)
        return served

    yield start
    for served in reversed(running):
        await stop(served)


@dataclass(frozen=True)
class GatewayProcess:
    """A gateway process: its proxy (`url`) and its status listener (`status_url`)."""

    service: RunningService
    status_url: str

    @property
    def url(self) -> str:
        return self.service.url

    def stop(self) -> None:
        self.service.stop()


def start_gateway_processes(
    config: Path, *, redis_url: str, log_dir: Path, name: str
) -> dict[str, GatewayProcess]:
    """One gateway process per plugin mode for a kong.yml, each started as `make run` starts it
    (the plugin-server one starts its own plugin server)."""
    status_ports = {mode: free_port() for mode in PLUGIN_MODES}
    started = start_all(
        [
            {
                "app_factory": "trivium_gateway.main:create_app",
                "name": f"{name}-{mode}",
                "env": {
                    "REDIS_URL": redis_url,
                    **session_keys().env("gateway"),
                    "GATEWAY_CONFIG_PATH": str(config),
                    "GATEWAY_PLUGIN_MODE": mode,
                    "GATEWAY_STATUS_PORT": str(status_ports[mode]),
                    # As Kong by default, the gateway trusts no proxy in front of it.
                    "UVICORN_PROXY_HEADERS": "false",
                },
            }
            for mode in PLUGIN_MODES
        ],
        log_dir=log_dir,
    )
    return {
        mode: GatewayProcess(service, f"http://127.0.0.1:{status_ports[mode]}")
        for mode, service in zip(PLUGIN_MODES, started, strict=True)
    }


@pytest.fixture(scope="session")
def stock_gateways(
    upstream: RunningService,
    redis_endpoint: RedisEndpoint,
    trivium_run_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, GatewayProcess]]:
    """The repository's kong.yml on one gateway process per plugin mode, for the session.

    They count in Redis database GATEWAY_DB, emptied before each test that uses them.
    """
    url = redis_db(redis_endpoint.url, GATEWAY_DB)
    config = write_config(
        tmp_path_factory.mktemp("stock-gateway"), upstream_url=upstream.url, redis_url=url
    )
    gateways = start_gateway_processes(
        config, redis_url=url, log_dir=trivium_run_dir / "logs", name="gateway"
    )
    yield gateways
    for gateway in gateways.values():
        gateway.stop()


@pytest.fixture
def gateway_processes(
    redis_url: str, trivium_run_dir: Path
) -> Iterator[Callable[[Path], dict[str, GatewayProcess]]]:
    """`gateway_processes(kong_yml)`: one gateway process per plugin mode for this test, counting
    in this test's Redis; stopped after the test."""
    started: list[GatewayProcess] = []

    def start(config: Path) -> dict[str, GatewayProcess]:
        gateways = start_gateway_processes(
            config, redis_url=redis_url, log_dir=trivium_run_dir / "logs", name="gateway-tuned"
        )
        started.extend(gateways.values())
        return gateways

    yield start
    for gateway in started:
        gateway.stop()


@pytest.fixture
def clear_stock_redis(redis_endpoint: RedisEndpoint) -> Callable[[], None]:
    """Empties the stock gateways' Redis database (quotas, budget readings)."""

    return partial(flush_db, redis_db(redis_endpoint.url, GATEWAY_DB))


@pytest.fixture
def gateway(
    stock_gateways: dict[str, GatewayProcess],
    plugin_mode: str,
    clear_stock_redis: Callable[[], None],
) -> GatewayProcess:
    """The stock gateway of this test's plugin mode, with its quotas and readings cleared."""
    clear_stock_redis()
    return stock_gateways[plugin_mode]


@pytest_asyncio.fixture
async def proxy(gateway: GatewayProcess) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the stock gateway's proxy port, as a partner or the mobile app calls it."""
    async with httpx.AsyncClient(base_url=gateway.url) as client:
        yield client


# --- clients' credentials -------------------------------------------------------------------


@pytest.fixture
def api_keys() -> dict[str, str]:
    """Demo partner keys by plan."""
    keys = consumer_credentials()
    return {
        "gold": keys["partner-nordwind"],
        "silver": keys["partner-alpen"],
        "bronze": keys["partner-rhein"],
    }


RepToken = Callable[..., str]


@pytest.fixture
def rep_token() -> RepToken:
    """Makes a sales rep's JWT as the mobile app's identity provider would issue it."""
    credential = next(
        c["jwt_secrets"][0] for c in kong_document()["consumers"] if c.get("jwt_secrets")
    )

    def make(*, expires_in: int = 600, secret: str | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": credential["key"],
            "sub": "anna.becker",
            "iat": now,
            "nbf": now,
            "exp": now + expires_in,
        }
        payload.update(claims)
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(
            payload, secret or credential["secret"], algorithm=credential["algorithm"]
        )

    return make


# --- plugin modules, loaded as the plugin server loads them --------------------------------------


def load_plugin(name: str) -> ModuleType:
    """A plugin file of gateway/plugins, loaded by kong-pdk's own loader."""
    module: ModuleType = Module(name, path=str(PLUGINS_DIR / f"{name}.py")).mod
    return module


def plugin_fixture(name: str) -> Any:
    """A session fixture: the plugin `name`, loaded once."""

    @pytest.fixture(scope="session")
    def plugin() -> ModuleType:
        return load_plugin(name)

    return plugin


partner_quota = plugin_fixture("partner-quota")
budget_guard = plugin_fixture("salesforce-budget-guard")
signed_identity = plugin_fixture("signed-identity")
auth_failure_limit = plugin_fixture("auth-failure-limit")


# --- what the tests read and publish -----------------------------------------------------------

BUDGET_KEY = "trivium:salesforce:api-budget"
MetricReader = Callable[..., Awaitable[float]]


@pytest.fixture
def read_metric() -> MetricReader:
    """Reads one sample of a gateway's /metrics, on its status listener (0 when absent)."""

    async def read(gateway: Any, name: str, **labels: str) -> float:
        async with httpx.AsyncClient(base_url=gateway.status_url) as client:
            text = (await client.get("/metrics")).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                wanted = all(sample.labels.get(key) == v for key, v in labels.items())
                if sample.name == name and wanted:
                    return float(sample.value)
        return 0.0

    return read


BudgetPublisher = Callable[..., Awaitable[None]]


@pytest.fixture
def publish_budget(redis_client: redis.asyncio.Redis) -> BudgetPublisher:
    """Publishes a Salesforce API budget reading as the Salesforce System API does."""

    async def publish(*, used: int, maximum: int, age_seconds: float = 0.0) -> None:
        await redis_client.hset(
            BUDGET_KEY,
            mapping={
                "used": used,
                "max": maximum,
                "remaining": max(maximum - used, 0),
                "observed_at": f"{time.time() - age_seconds:.3f}",
            },
        )

    return publish


@pytest.fixture(scope="session")
def plugin_specs() -> dict[str, PluginSpec]:
    """What the gateway knows of every plugin kong.yml may use: bundled and ours."""
    ours = {
        name: spec_from_info(plugin_info(name, module))
        for name, module in load_plugin_modules(PLUGINS_DIR).items()
    }
    return bundled_specs() | ours
