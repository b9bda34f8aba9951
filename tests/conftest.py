"""The reliability and security suite's stack, its service registry and its summary table.

Every Trivium service the suite checks is one `ServiceSpec` in `SERVICES`: how to start it, the
audience of its service tokens, what it needs in its environment, the identity the gateway would
sign in for it, and whether it serves an OpenAPI document. A new service joins every security,
hostile-input and restart test with one line here.

The suite runs its own fresh system stack (emulators and System APIs), so that injected faults,
exhausted API budgets and fuzzed writes never touch the data other test folders assert on. All of
its services keep their state on a Redis server of the suite's own (their keys are prefixed by
service); the Redis-restart scenario starts a private, persistent redis-server of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
import pytest_asyncio

from trivium.load_balancer import haproxy_binary, start_load_balancer
from trivium.redis_discovery import RedisEndpoint, free_port
from trivium.redis_users import GRANTS as REDIS_GRANTS
from trivium_testing.keys import session_keys
from trivium_testing.redis_cluster import RedisClusterServer, start_redis_cluster
from trivium_testing.replicas import ReplicaSet, ScaledStack, start_replica_sets
from trivium_testing.scoreboard import CHAOS_SEED
from trivium_testing.services import RunningService, harness_env, start_service
from trivium_testing.stack import (
    ADMIN_TOKEN,
    CREDENTIALS_ENV,
    FAST_CLIENT_ENV,
    SAP_USER,
    USUAL_CALLERS,
    Emulators,
    SystemStack,
    service_client,
    start_all,
    start_emulators,
    start_private_redis,
    start_system_stack,
    system_api_env,
)

SUITE_DB = 15
SAP_PASSWORD = SAP_USER[1]
SALESFORCE_CLIENT_SECRET = "trivium-demo-secret"
GATEWAY_ISSUER = "gateway"
# Generous: on a loaded CI machine a service's imports alone can take many seconds.
START_SECONDS = 90.0
# The dice of the fault scenarios; printed with the summary, so a run can be replayed.
# Short waits, so that retries, reclaims and the watchdog happen within a test.
FAST_ORDERS = {
    "QUOTE_TO_ORDER_RETRY_DELAYS_SECONDS": "[0.3, 0.6, 1.0, 2.0]",
    "QUOTE_TO_ORDER_QUEUE_VISIBILITY_TIMEOUT_SECONDS": "2",
    "QUOTE_TO_ORDER_ORDER_LOCK_SECONDS": "1",
    "QUOTE_TO_ORDER_WATCHDOG_SECONDS": "3",
    "QUOTE_TO_ORDER_WAKE_UP_POLL_SECONDS": "0.05",
}

Tier = Literal["system", "process", "experience"]
Urls = Mapping[str, str]


@dataclass(frozen=True)
class ServiceSpec:
    """One service under test: how it starts, how it is called, and what it promises."""

    name: str
    package: str
    tier: Tier
    env: Callable[[Urls], dict[str, str]] = lambda urls: {}
    # Claims the gateway signs into the service token of an authenticated consumer.
    identity: Mapping[str, str] = field(default_factory=dict)
    # Claims naming another consumer, for isolation (BOLA) checks; empty: no consumer scoping.
    other_identity: Mapping[str, str] = field(default_factory=dict)
    openapi: bool = True
    # A standalone worker module, run as its own process (the API process then runs no workers).
    worker: str | None = None
    # Redis database of the service on the private server of the Redis-restart scenario.
    restart_db: int = 0
    # Environment that runs the workers inside the API process (where no worker process runs).
    in_process_workers: Mapping[str, str] = field(default_factory=dict)

    @property
    def app_factory(self) -> str:
        return f"{self.package}.main:create_app"

    @property
    def audience(self) -> str:
        return self.name


def _quote_to_order_env(urls: Urls) -> dict[str, str]:
    return {
        "QUOTE_TO_ORDER_SALESFORCE_SYSTEM_URL": urls["salesforce-system"],
        "QUOTE_TO_ORDER_ERP_SYSTEM_URL": urls["erp-system"],
        # The API process only takes orders; its standalone worker (killed by tests) runs them,
        # and serves its metrics on a listener of its own.
        "QUOTE_TO_ORDER_WORKERS": "0",
        "QUOTE_TO_ORDER_WORKER_METRICS_PORT": str(free_port()),
        **FAST_ORDERS,
    }


def _system_urls(prefix: str) -> Callable[[Urls], dict[str, str]]:
    def env(urls: Urls) -> dict[str, str]:
        return {
            f"{prefix}_SALESFORCE_SYSTEM_URL": urls["salesforce-system"],
            f"{prefix}_ERP_SYSTEM_URL": urls["erp-system"],
        }

    return env


def _mobile_env(urls: Urls) -> dict[str, str]:
    return {
        **_system_urls("MOBILE")(urls),
        "MOBILE_QUOTE_TO_ORDER_URL": urls.get("quote-to-order", ""),
        "MOBILE_CREATE_CUSTOMER_URL": urls.get("create-customer", ""),
    }


def _partner_portal_env(urls: Urls) -> dict[str, str]:
    return {
        **_system_urls("PARTNER_PORTAL")(urls),
        "PARTNER_PORTAL_QUOTE_TO_ORDER_URL": urls.get("quote-to-order", ""),
    }


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("salesforce-system", "salesforce_system", "system"),
    ServiceSpec("erp-system", "erp_system", "system"),
    ServiceSpec(
        "quote-to-order",
        "quote_to_order_process",
        "process",
        _quote_to_order_env,
        worker="quote_to_order_process.worker",
        restart_db=1,
        in_process_workers={"QUOTE_TO_ORDER_WORKERS": "2"},
    ),
    ServiceSpec(
        "create-customer",
        "create_customer_process",
        "process",
        _system_urls("CREATE_CUSTOMER"),
        restart_db=2,
    ),
    ServiceSpec(
        "customer-sync",
        "customer_sync_process",
        "process",
        _system_urls("CUSTOMER_SYNC"),
        restart_db=3,
    ),
    ServiceSpec(
        "mobile-experience",
        "mobile_experience",
        "experience",
        _mobile_env,
        identity={"salesforceUsername": "anna.becker@trivium.demo", "plan": "internal"},
        restart_db=4,
    ),
    ServiceSpec(
        "partner-portal-experience",
        "partner_portal_experience",
        "experience",
        _partner_portal_env,
        identity={"partnerAccountNumber": "P-1001", "consumer": "partner-nordwind", "plan": "gold"},
        other_identity={
            "partnerAccountNumber": "P-1002",
            "consumer": "partner-alpen",
            "plan": "silver",
        },
        restart_db=5,
    ),
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`service` arguments run once per registry entry."""
    if "service" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("services")
    wanted = marker.kwargs if marker else {}
    params = [pytest.param(spec, id=spec.name) for spec in SERVICES if matches(spec, wanted)]
    metafunc.parametrize("service", params)


def matches(spec: ServiceSpec, wanted: Mapping[str, Any]) -> bool:
    """`@pytest.mark.services(tier=("process",), openapi=True)`: a tuple lists allowed values,
    a bool asks whether the field is set."""
    for name, value in wanted.items():
        have = getattr(spec, name)
        if isinstance(value, tuple) and have not in value:
            return False
        if isinstance(value, bool) and bool(have) != value:
            return False
    return True


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "services(**fields): run a `service` test for the matching registry entries"
    )


# The running suite.


def sign(audience: str, *, issuer: str | None = None, **claims: Any) -> str:
    """A valid service token for `audience`, signed with the session's key of `issuer` (by
    default the service's usual caller: the gateway for experience APIs)."""
    name = issuer or USUAL_CALLERS.get(audience, GATEWAY_ISSUER)
    return session_keys().issuer(name).token_for(audience, claims=claims or None)


def token_for(spec: ServiceSpec, *, identity: Mapping[str, str] | None = None) -> str:
    """The token the tier above would send: the gateway's, with its consumer, for experience
    APIs; its usual caller's otherwise."""
    claims = spec.identity if identity is None else identity
    return sign(spec.audience, **claims)


# Forks worker processes from one that has imported the worker module already, so that a test can
# kill and restart a worker many times without paying the import each time. SIGCHLD is ignored so
# the kernel reaps killed children at once.
ZYGOTE = """
import importlib, os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
module = importlib.import_module(sys.argv[1])
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        log = os.open(line.strip(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        try:
            module.main()
        finally:
            os._exit(0)
    print(pid, flush=True)
"""


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass
class Worker:
    """A standalone worker process that tests may kill (SIGKILL) and start again."""

    module: str
    env: Mapping[str, str]
    log_dir: Path
    zygote: subprocess.Popen[str] | None = None
    pid: int | None = None
    starts: int = 0

    def start(self) -> None:
        if self.pid is not None and is_alive(self.pid):
            return
        if self.zygote is None:
            self.zygote = subprocess.Popen(
                [sys.executable, "-c", ZYGOTE, self.module],
                env={**os.environ, **harness_env(self.log_dir), **self.env},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        assert self.zygote.stdin is not None
        assert self.zygote.stdout is not None
        self.starts += 1
        self.zygote.stdin.write(f"{self.log_path(self.starts)}\n")
        self.zygote.stdin.flush()
        self.pid = int(self.zygote.stdout.readline())

    def log_path(self, start: int) -> Path:
        return self.log_dir / f"{self.module}-{start}.log"

    async def started(self, *, within: float = 20.0) -> None:
        """Wait until the current process consumes its queue."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.pid is None or not is_alive(self.pid):
                raise AssertionError(f"worker {self.pid} exited:\n{self.log_tail()}")
            if "queue.consumer.started" in self.log_text():
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"worker {self.pid} did not start:\n{self.log_tail()}")

    def log_text(self) -> str:
        try:
            return self.log_path(self.starts).read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self) -> str:
        return self.log_text()[-4000:]

    def all_logs(self) -> str:
        """What every process this worker ran has written."""
        return "".join(
            self.log_path(start).read_text(errors="replace") for start in range(1, self.starts + 1)
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a container is OOM-killed."""
        self._signal(signal.SIGKILL, wait=5)

    def stop(self) -> None:
        """SIGTERM: the worker finishes its orders and exits."""
        self._signal(signal.SIGTERM, wait=35)
        if self.pid is not None and is_alive(self.pid):
            self.kill()

    def close(self) -> None:
        self.stop()
        if self.zygote is not None:
            for pipe in (self.zygote.stdin, self.zygote.stdout):
                if pipe is not None:
                    pipe.close()
            self.zygote.kill()
            self.zygote.wait()
            self.zygote = None

    def _signal(self, signum: int, *, wait: float) -> None:
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)
        deadline = time.monotonic() + wait
        while is_alive(self.pid) and time.monotonic() < deadline:
            time.sleep(0.01)


@dataclass
class Suite:
    """The fresh system stack plus every built process and experience API, started on it."""

    system: SystemStack
    services: dict[str, RunningService]
    workers: dict[str, Worker]
    log_dir: Path
    planned: dict[str, str] = field(default_factory=dict)
    # Where the services keep their state, and settings every service of this suite gets on top
    # of its own (e.g. faster polls).
    redis_url: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    # Service → the URL of its own Redis user, on a Redis with one user per service.
    user_urls: dict[str, str] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return self.services[name].url

    def env_of(self, spec: ServiceSpec, *, redis_url: str) -> dict[str, str]:
        """A service's environment against this stack, keeping its state at `redis_url`."""
        urls = {
            **self.planned,
            **{name: service.url for name, service in self.services.items()},
        }
        return {
            **self.system.service_env(db=SUITE_DB, service=spec.name),
            "REDIS_URL": self.user_urls.get(spec.name, redis_url),
            **spec.env(urls),
            **self.extra_env,
        }

    def env_of_gateway(self) -> dict[str, str]:
        """The gateway's environment: the Redis of the suite's System APIs (quotas, the
        Salesforce budget they publish) and the suite's settings."""
        return {
            **self.system.service_env(db=SUITE_DB, service=GATEWAY_ISSUER),
            "REDIS_URL": self.user_urls.get(GATEWAY_ISSUER, self.redis_url),
            **self.extra_env,
        }

    def client(self, name: str, *, identity: Mapping[str, str] | None = None) -> httpx.AsyncClient:
        """A client of a service under test, with the token its caller would send."""
        spec = spec_named(name)
        return httpx.AsyncClient(
            base_url=self.url(name),
            headers={"Authorization": f"Bearer {token_for(spec, identity=identity)}"},
            timeout=30,
        )

    def token(self, name: str) -> str:
        """The token the caller of a service under test would send."""
        return token_for(spec_named(name))

    def operator(self, name: str) -> httpx.AsyncClient:
        """A client of a process API carrying the operator role."""
        token = sign(name, issuer="operator", roles=["operator"])
        return httpx.AsyncClient(
            base_url=self.url(name), headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def log_files(self) -> list[Path]:
        return sorted(self.log_dir.glob("*.log"))


def spec_named(name: str) -> ServiceSpec:
    [spec] = [spec for spec in SERVICES if spec.name == name]
    return spec


def start_services(suite: Suite, specs: list[ServiceSpec], *, redis_url: str) -> None:
    """Start services concurrently on the suite's stack; ports are chosen first, so that each
    one's environment can name the others."""
    ports = {spec.name: free_port() for spec in specs}
    for name, port in ports.items():
        suite.planned[name] = f"http://127.0.0.1:{port}"
    started = start_all(
        [
            {
                "app_factory": spec.app_factory,
                "name": spec.name,
                "port": ports[spec.name],
                "env": suite.env_of(spec, redis_url=redis_url),
                "timeout": START_SECONDS,
            }
            for spec in specs
        ],
        log_dir=suite.log_dir,
    )
    for spec, service in zip(specs, started, strict=True):
        suite.services[spec.name] = service
        if spec.worker:
            worker = Worker(spec.worker, suite.env_of(spec, redis_url=redis_url), suite.log_dir)
            worker.start()
            suite.workers[spec.name] = worker


@contextlib.contextmanager
def open_suite(
    log_dir: Path,
    *,
    redis_url: str,
    extra_env: Mapping[str, str] | None = None,
    user_urls: Mapping[str, str] | None = None,
    erp: str = "s4hana",
) -> Iterator[Suite]:
    """A fresh system stack on the ERP `erp` and every service on it, keeping their state at
    `redis_url` (each signing in as its own user when `user_urls` names one)."""
    system = start_system_stack(
        log_dir=log_dir,
        redis_url=redis_url,
        system_env={"REDIS_URL": redis_url, **(extra_env or {})},
        user_urls=user_urls,
        erp=erp,
    )
    suite = Suite(
        system,
        {"salesforce-system": system.sf_system, "erp-system": system.erp_system},
        {},
        log_dir,
        redis_url=redis_url,
        extra_env=dict(extra_env or {}),
        user_urls=dict(user_urls or {}),
    )
    try:
        upper_tiers = [spec for spec in SERVICES if spec.tier != "system"]
        start_services(suite, upper_tiers, redis_url=redis_url)
        yield suite
    finally:
        # The workers first: each finishes its orders, which needs the stack.
        for worker in suite.workers.values():
            worker.close()
        system.stop(
            *(
                service
                for name, service in suite.services.items()
                if name not in ("salesforce-system", "erp-system")
            )
        )


@pytest.fixture(scope="session")
def suite(trivium_run_dir: Path) -> Iterator[Suite]:
    """A fresh system stack and the built services on it, for the whole session, on a Redis
    server of their own: no other suite's workers (the contract tests serve process APIs in
    this process) can take their queued work."""
    log_dir = trivium_run_dir / "reliability-logs"
    redis_server = start_private_redis(log_dir / "redis")
    try:
        # Debug logs: the secrets-in-logs check reads every line a service can write.
        with open_suite(
            log_dir, redis_url=redis_server.url, extra_env={"TRIVIUM_LOG_LEVEL": "DEBUG"}
        ) as suite:
            yield suite
    finally:
        redis_server.stop()


@pytest_asyncio.fixture
async def sf_admin(suite: Suite) -> AsyncIterator[httpx.AsyncClient]:
    """The suite's Salesforce emulator admin API; faults are cleared after each test."""
    async with suite.system.sf_admin() as admin:
        yield admin
        await admin.delete("/chaos")


@pytest_asyncio.fixture
async def s4_admin(suite: Suite) -> AsyncIterator[httpx.AsyncClient]:
    """The suite's S/4HANA emulator admin API; faults are cleared after each test."""
    async with suite.system.s4_admin() as admin:
        yield admin
        await admin.delete("/chaos")


@pytest.fixture
def signer() -> Callable[..., str]:
    """`signer(audience, issuer=..., **claims)`: a token signed with the session's keys."""
    return sign


@pytest.fixture
def configured_secrets() -> dict[str, str]:
    """Every secret the suite configures, by what it is: none may ever reach a log line."""
    return {
        "emulator admin token": ADMIN_TOKEN,
        "SAP password": SAP_PASSWORD,
        "Salesforce client secret": SALESFORCE_CLIENT_SECRET,
        "partner API key": "demo-gold-7f3a91c2e4b85d06",
        "mobile JWT secret": "trivium-mobile-demo-jwt-secret-change-me-0001",
    }


# Orders through quote-to-order, and what the two systems hold for them.

ORDER_PARTNERS = (("P-1001", "1000001"), ("P-1002", "1000002"), ("P-1003", "1000003"))
ORDER_SKUS = ("MAT-0002", "MAT-0003", "MAT-0004", "MAT-0006")
PLANT = "1010"
DATA = "/services/data/v62.0"
TERMINAL = frozenset({"completed", "failed"})


@dataclass
class Audit:
    """Each order's outcome, checked against both systems."""

    completed: set[str] = field(default_factory=set)
    dead_lettered: set[str] = field(default_factory=set)
    duplicated: set[str] = field(default_factory=set)
    lost: dict[str, str] = field(default_factory=dict)


class OrderDesk:
    """Places direct partner orders and reads back what the ERP and the CRM hold for them."""

    def __init__(
        self,
        orders: httpx.AsyncClient,
        operator: httpx.AsyncClient,
        org: httpx.AsyncClient,
        sap: httpx.AsyncClient,
    ) -> None:
        self.orders = orders
        self.operator = operator
        self.org = org
        self.sap = sap
        self.run = f"R{random.SystemRandom().randrange(16**8):08X}"
        self.placed: dict[str, str] = {}

    def reference(self, number: int, scenario: str) -> str:
        return f"{scenario}-{self.run}-{number:05d}"

    def body(self, reference: str, number: int) -> dict[str, Any]:
        account, _ = ORDER_PARTNERS[number % len(ORDER_PARTNERS)]
        return {
            "accountNumber": account,
            "purchaseOrderNumber": reference,
            "lines": [
                {"sku": ORDER_SKUS[(number + line) % len(ORDER_SKUS)], "quantity": "1"}
                for line in range(1 + number % 2)
            ],
        }

    def on(self, orders: httpx.AsyncClient, operator: httpx.AsyncClient) -> OrderDesk:
        """The same desk and systems, placing orders on another quote-to-order instance."""
        desk = OrderDesk(orders, operator, self.org, self.sap)
        desk.run = self.run
        return desk

    async def place(self, number: int, scenario: str, *, wait: bool = False) -> httpx.Response:
        """Submit one order (async mode unless `wait`); an acknowledged one is remembered."""
        reference = self.reference(number, scenario)
        headers = {"Idempotency-Key": f"{reference}-key"}
        if not wait:
            headers["Prefer"] = "respond-async"
        response = await self.orders.post(
            "/orders", json=self.body(reference, number), headers=headers
        )
        if response.status_code in (201, 202):
            self.placed[response.json()["orderId"]] = reference
        return response

    async def state(self, order_id: str) -> dict[str, Any] | None:
        """The order's status resource (None while the service asks to retry later)."""
        response = await self.orders.get(f"/orders/{order_id}")
        if response.status_code == 503 and "retry-after" in response.headers:
            return None
        assert response.status_code == 200, response.text
        state: dict[str, Any] = response.json()
        return state

    async def settle(
        self, order_ids: list[str], *, within: float, parked: Mapping[str, str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Poll until every order is completed, failed or dead-lettered, or time runs out. An
        order in `parked` (id -> its `updatedAt` when it was replayed) only counts as
        dead-lettered once it has been dead-lettered again since."""
        parked = parked or {}
        states: dict[str, dict[str, Any]] = {}
        pending = set(order_ids)
        gate = asyncio.Semaphore(16)

        async def poll(order_id: str) -> None:
            async with gate:
                state = await self.state(order_id)
                if state is not None:
                    states[order_id] = state

        deadline = time.monotonic() + within
        while pending and time.monotonic() < deadline:
            await asyncio.gather(*(poll(order_id) for order_id in pending))
            pending = {
                order_id
                for order_id in pending
                if order_id not in states
                or (
                    states[order_id]["status"] not in TERMINAL
                    and not (
                        states[order_id]["deadLettered"]
                        and states[order_id]["updatedAt"] != parked.get(order_id)
                    )
                )
            }
            if pending:
                await asyncio.sleep(0.2)
        return states

    async def dead_letters(self) -> dict[str, dict[str, Any]]:
        """Dead letters of the orders placed by this desk, by order id."""
        letters: dict[str, dict[str, Any]] = {}
        cursor: str | None = None
        while True:
            params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
            response = await self.operator.get("/dead-letters", params=params)
            response.raise_for_status()
            page = response.json()
            for letter in page["items"]:
                if letter["orderId"] in self.placed:
                    letters[letter["orderId"]] = letter
            cursor = page["nextCursor"]
            if cursor is None:
                return letters

    async def replay(self, letters: dict[str, dict[str, Any]]) -> dict[str, str]:
        """Replay the dead letters; returns each order's `updatedAt` from before the replay."""
        parked = {}
        for order_id in letters:
            state = await self.state(order_id)
            assert state is not None
            parked[order_id] = state["updatedAt"]
        for letter in letters.values():
            response = await self.operator.post(f"/dead-letters/{letter['id']}/replay")
            assert response.status_code == 202, response.text
        return parked

    async def erp_orders(self, scenario: str) -> dict[str, list[str]]:
        """The ERP's sales order numbers by customer reference, for this run's scenario."""
        found: dict[str, list[str]] = {}
        prefix = f"{scenario}-{self.run}-"
        url: str | None = "/API_SALES_ORDER_SRV/A_SalesOrder"
        params: dict[str, str] | None = {
            "$filter": f"startswith(PurchaseOrderByCustomer,'{prefix}')",
            "$select": "SalesOrder,PurchaseOrderByCustomer",
            "$top": "100000",
        }
        while url:
            response = await self.sap.get(url, params=params)
            response.raise_for_status()
            document = response.json()["d"]
            for row in document["results"]:
                found.setdefault(row["PurchaseOrderByCustomer"], []).append(row["SalesOrder"])
            url, params = document.get("__next"), None
        return found

    async def crm_orders(self, scenario: str) -> dict[str, int]:
        """How many CRM orders carry each ERP order number, for this run's scenario."""
        counts: dict[str, int] = {}
        soql = (
            f"SELECT ERP_Order_Number__c FROM Order WHERE PoNumber LIKE '{scenario}-{self.run}-%'"
        )
        response = await self.org.get(f"{DATA}/query", params={"q": soql})
        while True:
            response.raise_for_status()
            page = response.json()
            for row in page["records"]:
                number = row["ERP_Order_Number__c"]
                counts[number] = counts.get(number, 0) + 1
            if page.get("done", True):
                return counts
            response = await self.org.get(page["nextRecordsUrl"])

    async def audit(
        self,
        scenario: str,
        order_ids: list[str],
        *,
        within: float,
        parked: Mapping[str, str] | None = None,
    ) -> Audit:
        """Settle the orders, then check each against both systems and the dead letters."""
        states = await self.settle(order_ids, within=within, parked=parked)
        letters = await self.dead_letters()
        erp = await self.erp_orders(scenario)
        crm = await self.crm_orders(scenario)
        audit = Audit()
        for order_id in order_ids:
            reference = self.placed[order_id]
            if order_id not in states:
                audit.lost[order_id] = f"{reference}: its status could not be read"
                continue
            state = states[order_id]
            numbers = erp.get(reference, [])
            crm_count = sum(crm.get(number, 0) for number in numbers)
            if len(numbers) > 1 or crm_count > 1:
                audit.duplicated.add(order_id)
            elif state["status"] == "completed" and (len(numbers), crm_count) == (1, 1):
                assert state["erpOrderNumber"] == numbers[0], state
                audit.completed.add(order_id)
            elif order_id in letters and letters[order_id]["errorMessage"]:
                audit.dead_lettered.add(order_id)
            else:
                audit.lost[order_id] = (
                    f"{reference}: status {state['status']}, step {state['step']}, "
                    f"{len(numbers)} ERP and {crm_count} CRM orders, failure {state['failure']}, "
                    f"last error {state['lastError']}"
                )
        return audit

    async def audit_after_replay(
        self, scenario: str, order_ids: list[str], audit: Audit, *, within: float
    ) -> Audit:
        """Replay the scenario's dead letters (their cause has passed) and audit again."""
        letters = await self.dead_letters()
        parked = await self.replay(
            {order_id: letters[order_id] for order_id in audit.dead_lettered}
        )
        return await self.audit(scenario, order_ids, within=within, parked=parked)


async def raise_credit_limits(sap: httpx.AsyncClient) -> None:
    """Credit limits no scenario can exhaust, for the partners the scenarios order for."""
    base = "/API_CRDTMBUSINESSPARTNER"
    token = (await sap.get(f"{base}/", headers={"x-csrf-token": "Fetch"})).headers["x-csrf-token"]
    for _, customer in ORDER_PARTNERS:
        response = await sap.patch(
            f"{base}/CreditManagementAccount(BusinessPartner='{customer}',CreditSegment='1000')",
            json={"CreditLimitAmount": "999999999.000"},
            headers={"x-csrf-token": token, "If-Match": "*"},
        )
        response.raise_for_status()


@contextlib.asynccontextmanager
async def order_desk_on(
    emulators: Emulators, orders: httpx.AsyncClient, operator: httpx.AsyncClient
) -> AsyncIterator[OrderDesk]:
    """Orders through the quote-to-order that `orders` and `operator` call, with room in credit
    and stock for all."""
    async with (
        emulators.salesforce_org() as org,
        emulators.sap_odata() as sap,
        emulators.s4_admin() as s4_admin,
    ):
        await raise_credit_limits(sap)
        for sku in ORDER_SKUS:
            response = await s4_admin.put(f"/stock/{sku}/{PLANT}", json={"quantity": "10000000"})
            response.raise_for_status()
        yield OrderDesk(orders, operator, org, sap)


@pytest_asyncio.fixture
async def order_desk(suite: Suite) -> AsyncIterator[OrderDesk]:
    """Orders through the suite's quote-to-order, with room in credit and stock for all."""
    async with (
        suite.client("quote-to-order") as orders,
        suite.operator("quote-to-order") as operator,
        order_desk_on(suite.system, orders, operator) as desk,
    ):
        yield desk


@pytest_asyncio.fixture
async def scaled_order_desk(scaled_stack: ScaledStack) -> AsyncIterator[OrderDesk]:
    """Orders through the scaled stack's quote-to-order replicas (their one address), with
    tokens renewed as they age (a scenario outlasts one)."""
    url = scaled_stack.url("quote-to-order")
    async with (
        service_client(url, audience="quote-to-order") as orders,
        service_client(url, audience="quote-to-order", roles=["operator"]) as operator,
        order_desk_on(scaled_stack.emulators, orders, operator) as desk,
    ):
        yield desk


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """This test's dice, replayable from the seed printed in the summary."""
    return random.Random(f"{CHAOS_SEED}-{request.node.name}")


@pytest.fixture
def service_registry() -> list[ServiceSpec]:
    """Every service the suite checks."""
    return list(SERVICES)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test that used the suite (or the scaled stack) shows the services' tracebacks
    with its report."""
    report = yield
    funcargs = getattr(item, "funcargs", {})
    suite, scaled = funcargs.get("suite"), funcargs.get("scaled_stack")
    logs: list[Path] = []
    if isinstance(suite, Suite):
        logs = suite.log_files()
    if isinstance(scaled, ScaledStack):
        logs = scaled.log_files()
    if report.failed:
        for path in logs:
            text = path.read_text(errors="replace")
            if "Traceback" in text:
                start = text.rindex("Traceback")
                report.sections.append((f"log of {path.name}", text[start - 2000 : start + 4000]))
    return report


# The local gateway in front of the suite's experience APIs (when this build has it).

GATEWAY_PACKAGE = "trivium_gateway"
KONG_CONFIG = Path(__file__).resolve().parents[1] / "gateway" / "kong.yml"
# kong.yml's upstreams, by the registry name of the service at each.
KONG_UPSTREAMS = {
    "http://127.0.0.1:8101": "mobile-experience",
    "http://127.0.0.1:8102": "partner-portal-experience",
}


def render_kong_config(
    upstreams: Mapping[str, str], folder: Path, *, replacements: Mapping[str, str] | None = None
) -> Path:
    """The repository's kong.yml as `folder`/kong.yml, its upstreams pointed at `upstreams`
    (registry name -> URL) and each text of `replacements` (which must occur) replaced."""
    config = KONG_CONFIG.read_text()
    for kong_url, name in KONG_UPSTREAMS.items():
        config = config.replace(kong_url, upstreams[name])
    for old, new in (replacements or {}).items():
        assert old in config, f"kong.yml no longer has {old!r}"
        config = config.replace(old, new)
    rendered = folder / "kong.yml"
    rendered.write_text(config)
    return rendered


def start_gateway(suite: Suite) -> RunningService:
    """The local gateway running the repository's kong.yml (rendered to `kong.yml` in the
    suite's log folder), its upstreams pointed at the suite."""
    upstreams = {name: suite.url(name) for name in KONG_UPSTREAMS.values()}
    rendered = render_kong_config(upstreams, suite.log_dir)
    return start_service(
        f"{GATEWAY_PACKAGE}.main:create_app",
        name="gateway",
        log_dir=suite.log_dir,
        timeout=START_SECONDS,
        env={
            **suite.env_of_gateway(),
            "GATEWAY_CONFIG_PATH": str(rendered),
            "GATEWAY_PLUGIN_MODE": "in-process",
        },
    )


@pytest.fixture(scope="session")
def gateway(suite: Suite) -> Iterator[RunningService]:
    """The local gateway running the repository's kong.yml, its upstreams pointed at the suite."""
    service = start_gateway(suite)
    yield service
    service.stop()


@dataclass(frozen=True)
class DemoStack:
    suite: Suite
    gateway: RunningService
    redis: RedisEndpoint


# How `make run` differs from production defaults that matter to the demo: quick ERP polls.
DEMO_ENV = {"CUSTOMER_SYNC_ERP_POLL_SECONDS": "1", "CUSTOMER_SYNC_CDC_WAIT_SECONDS": "5"}


@pytest.fixture(scope="module")
def demo_stack(trivium_run_dir: Path, request: pytest.FixtureRequest) -> Iterator[DemoStack]:
    """Every service and the gateway on fresh emulators and a Redis of their own, as `make run`
    starts them: what `make demo` walks on a fresh clone. The ERP is the fixture's parameter
    (`make run ERP=...`), S/4HANA unless a test names another."""
    erp = getattr(request, "param", "s4hana")
    run_dir = trivium_run_dir / f"demo-{erp}"
    # One Redis user per service, limited to its keys, as `make run` sets up the Redis it starts.
    passwords = {service: secrets.token_urlsafe(32) for service in REDIS_GRANTS}
    redis_server = start_private_redis(
        run_dir / "redis", users=passwords, admin_password=secrets.token_urlsafe(32)
    )
    try:
        with open_suite(
            run_dir,
            redis_url=redis_server.url,
            extra_env=DEMO_ENV,
            user_urls=dict(redis_server.user_urls),
            erp=erp,
        ) as suite:
            gateway = start_gateway(suite)
            yield DemoStack(suite, gateway, redis_server)
            gateway.stop()
    finally:
        redis_server.stop()


# The scaled-out stack: two replicas of every service and two gateway instances, each group
# behind one HAProxy address, on a Redis Cluster of its own.

REPLICAS = 2
HAPROXY_MISSING = (
    "HAProxy is not installed: make haproxy (as root), or: sudo apt-get install haproxy"
)
# The leader's lease is short so that a standby leads within seconds of the leader's death.
SCALED_SYNC = {
    "CUSTOMER_SYNC_LEASE_SECONDS": "2",
    "CUSTOMER_SYNC_CDC_WAIT_SECONDS": "5",
    "CUSTOMER_SYNC_ERP_POLL_SECONDS": "1",
    "CUSTOMER_SYNC_RETRY_SECONDS": "0.3",
    "CUSTOMER_SYNC_PRODUCT_SYNC_INTERVAL_SECONDS": "86400",
}
# The order scenario measures loss and duplication under kills, not the gold plan's quota: the
# gold partner may place its hundreds of orders within seconds. The bronze plan, whose exactness
# across gateway instances a scenario checks, stays as configured.
SCALED_GOLD_PLAN = {"gold: {second: 50, minute: 1200}": "gold: {second: 5000, minute: 300000}"}


# A claim on an Idempotency-Key whose replica was killed lapses within seconds, so that the
# client's repeat of that request gets through within a scenario (production keeps 60 s).
SCALED_IDEMPOTENCY = {"TRIVIUM_IDEMPOTENCY_LEASE_SECONDS": "3"}


def scaled_service_env(
    spec: ServiceSpec, fronts: Mapping[str, str], *, redis_url: str, emulators: Emulators
) -> dict[str, str]:
    """A replica's environment: the fronts of the services it calls, its own Redis user and key,
    its workers in its own process."""
    backends = {
        "sf_emulator_url": emulators.sf_emulator.url,
        "s4_emulator_url": emulators.s4_emulator.url,
    }
    return {
        **CREDENTIALS_ENV,
        **session_keys().env(spec.name),
        **FAST_CLIENT_ENV,
        **SCALED_IDEMPOTENCY,
        "REDIS_URL": redis_url,
        **spec.env(fronts),
        **spec.in_process_workers,
        **(system_api_env(spec.name, **backends) if spec.tier == "system" else {}),
        **(SCALED_SYNC if spec.name == "customer-sync" else {}),
    }


@pytest.fixture(scope="session")
def scaled_stack(trivium_run_dir: Path) -> Iterator[ScaledStack]:
    """Two replicas of every service and two gateway instances behind HAProxy, on a Redis
    Cluster of their own (three masters, one replica each) and fresh emulators, for the session;
    skipped without redis-server or HAProxy (failed under CI=true without HAProxy)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not on PATH")
    if haproxy_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(HAPROXY_MISSING)
        pytest.skip(HAPROXY_MISSING)
    run_dir = trivium_run_dir / "scaled"
    log_dir = run_dir / "logs"
    cluster = start_redis_cluster(run_dir / "redis-cluster")
    try:
        stack = _start_scaled_stack(cluster, run_dir, log_dir)
    except BaseException:
        cluster.stop()
        raise
    try:
        yield stack
    finally:
        stack.stop()
        cluster.stop()


def _start_scaled_stack(cluster: RedisClusterServer, run_dir: Path, log_dir: Path) -> ScaledStack:
    emulators = start_emulators(log_dir=log_dir)
    user_urls = {name: cluster.user_url(name, secrets.token_urlsafe(24)) for name in REDIS_GRANTS}
    sets = {spec.name: ReplicaSet(spec.name, spec.app_factory, [], log_dir) for spec in SERVICES}
    sets["gateway"] = ReplicaSet("gateway", f"{GATEWAY_PACKAGE}.main:create_app", [], log_dir)
    fronts = {name: group.url for name, group in sets.items()}
    for spec in SERVICES:
        env = scaled_service_env(spec, fronts, redis_url=user_urls[spec.name], emulators=emulators)
        sets[spec.name].envs = [env] * REPLICAS
    config = render_kong_config(fronts, run_dir, replacements=SCALED_GOLD_PLAN)
    gateway_env = {
        **session_keys().env(GATEWAY_ISSUER),
        "REDIS_URL": user_urls[GATEWAY_ISSUER],
        "GATEWAY_CONFIG_PATH": str(config),
        "GATEWAY_PLUGIN_MODE": "in-process",
    }
    sets["gateway"].envs = [
        {**gateway_env, "GATEWAY_STATUS_PORT": str(free_port())} for _ in range(REPLICAS)
    ]
    for group in sets.values():
        group.ports = [free_port() for _ in group.envs]
    stack = ScaledStack(emulators, sets, None, cluster)
    try:
        stack.balancer = start_load_balancer([group.pool for group in sets.values()], run_dir)
        start_replica_sets(list(sets.values()))
    except BaseException:
        stack.stop()
        raise
    return stack
