"""The lower tiers on loopback for integration tests: both emulators and both System APIs.

One stack serves a whole test session (starting it costs seconds). Every service's integration
tests run on it and keep out of each other's way with their own records; each service under test
gets its own Redis database from `redis_db`. The emulators are in-memory and seeded, with the
admin token below, so tests can arrange data, read back what the systems hold and inject faults.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Generator, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import redis

from trivium.redis_discovery import RedisEndpoint, start_fake_redis_server, start_redis_server
from trivium.service_auth import OPERATOR, ServiceTokenIssuer
from trivium_testing.keys import KeyRing, session_keys
from trivium_testing.services import RunningService, start_service

ADMIN_TOKEN = "integration-admin-token"
SAP_USER = ("TRIVIUM_COMM_USER", "Trivium-Demo-Pass1")
SALESFORCE_CLIENT = ("trivium-demo-client", "trivium-demo-secret")
SALESFORCE_DATA_PATH = "/services/data/v62.0"
# The emulators' credentials and the System APIs' matching ones: nothing has a default, so every
# process the tests start that signs in to, or runs, an emulator is given these.
# The NetSuite emulator's integration record and token (TBA); keys are 64 hex digits.
NETSUITE_ACCOUNT = "1234567_SB1"
NETSUITE_TBA = {
    "CONSUMER_KEY": "c0" * 32,
    "CONSUMER_SECRET": "trivium-test-consumer-secret",
    "TOKEN_ID": "70" * 32,
    "TOKEN_SECRET": "trivium-test-token-secret",
}
CREDENTIALS_ENV = {
    "SF_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN,
    "SF_EMULATOR_CLIENT_ID": SALESFORCE_CLIENT[0],
    "SF_EMULATOR_CLIENT_SECRET": SALESFORCE_CLIENT[1],
    "SF_EMULATOR_PASSWORD": "trivium-demo-password",
    "SF_EMULATOR_SECURITY_TOKEN": "TRIVIUMDEMOTOKEN",
    "SF_SYSTEM_CLIENT_ID": SALESFORCE_CLIENT[0],
    "SF_SYSTEM_CLIENT_SECRET": SALESFORCE_CLIENT[1],
    "S4_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN,
    "S4_EMULATOR_PASSWORD": SAP_USER[1],
    "S4_EMULATOR_OAUTH_CLIENT_SECRET": SAP_USER[1],
    "ERP_SYSTEM_USERNAME": SAP_USER[0],
    "ERP_SYSTEM_PASSWORD": SAP_USER[1],
    "ERP_SYSTEM_OAUTH_CLIENT_SECRET": SAP_USER[1],
    "NS_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN,
    "NS_EMULATOR_ACCOUNT_ID": NETSUITE_ACCOUNT,
    "NETSUITE_ACCOUNT_ID": NETSUITE_ACCOUNT,
    **{f"NS_EMULATOR_{name}": value for name, value in NETSUITE_TBA.items()},
    **{f"NETSUITE_{name}": value for name, value in NETSUITE_TBA.items()},
}
# How each ERP's emulator is started for tests (in memory, seeded, lifecycle stopped), and the
# ERP System API's settings that point it there.
ERP_EMULATORS = {
    "s4hana": {
        "app_factory": "s4hana_emulator.main:create_app",
        "name": "s4-emulator",
        "env": {
            **CREDENTIALS_ENV,
            "S4_EMULATOR_DATABASE_PATH": ":memory:",
            "S4_EMULATOR_LIFECYCLE_SPEED": "0",
        },
    },
    "netsuite": {
        "app_factory": "netsuite_emulator.main:create_app",
        "name": "netsuite-emulator",
        "env": {
            **CREDENTIALS_ENV,
            "NS_EMULATOR_DATABASE_PATH": ":memory:",
            "NS_EMULATOR_LIFECYCLE_SPEED": "0",
            # Tests run many requests at once; the account's governance is tested on its own.
            "NS_EMULATOR_CONCURRENCY_LIMIT": "50",
        },
    },
}
ERP_BACKENDS = tuple(ERP_EMULATORS)


def erp_backend_env(backend: str, emulator_url: str) -> dict[str, str]:
    """The ERP System API's settings for `backend` served by the emulator at `emulator_url`."""
    if backend == "netsuite":
        return {"ERP_SYSTEM_BACKEND": "netsuite", "NETSUITE_BASE_URL": emulator_url}
    return {"ERP_SYSTEM_BACKEND": "s4hana", "ERP_SYSTEM_BASE_URL": emulator_url}


SYSTEM_APIS_DB = 8
# Short waits, so that retries and breaker resets happen within a test.
FAST_CLIENT_ENV = {"TRIVIUM_HTTP_MAX_RETRIES": "1", "TRIVIUM_BREAKER_RESET_SECONDS": "0.3"}
# How long a test's client waits for an answer: only a hang should end a call, and on a loaded
# machine a call through three tiers can take many times its usual second.
CLIENT_TIMEOUT_SECONDS = 90.0


def redis_db(url: str, db: int) -> str:
    """The same Redis server, another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def flush_db(url: str) -> None:
    """Empty the Redis database at `url` of what an earlier run left there."""
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


@contextmanager
def serving(
    app_factory: str, *, name: str, env: Mapping[str, str], log_dir: Path
) -> Iterator[RunningService]:
    """`start_service` on the Redis database `env` names (`REDIS_URL`), emptied first of what
    an earlier run left there; the service stops when the block ends."""
    flush_db(env["REDIS_URL"])
    service = start_service(app_factory, name=name, env=env, log_dir=log_dir)
    try:
        yield service
    finally:
        service.stop()


def stop_all(services: Iterable[RunningService]) -> None:
    """Stop services concurrently (each may wait a few seconds for its work to end)."""
    running = list(services)
    if running:
        with ThreadPoolExecutor(len(running)) as pool:
            list(pool.map(lambda service: service.stop(), running))


def start_all(starts: list[dict[str, Any]], *, log_dir: Path) -> list[RunningService]:
    """Start services concurrently (`start_service` keyword arguments each); all or none run."""
    with ThreadPoolExecutor(len(starts)) as pool:
        futures = [pool.submit(start_service, log_dir=log_dir, **start) for start in starts]
        results = []
        for future in futures:
            try:
                results.append(future.result())
            except Exception:
                for other in futures:
                    if other.done() and other.exception() is None:
                        other.result().stop(kill=True)
                raise
        return results


# Who a test calls a service as, unless it says: the service's usual caller, as the tiers go.
# The process APIs are called as the partner portal, a caller acting for itself: the mobile API
# acts only for a signed-in rep, and a call of it must name one (tests of that pass the claim).
USUAL_CALLERS = {
    "salesforce-system": "quote-to-order",
    "erp-system": "quote-to-order",
    "quote-to-order": "partner-portal-experience",
    "create-customer": "partner-portal-experience",
    "customer-sync": OPERATOR,
    "mobile-experience": "gateway",
    "partner-portal-experience": "gateway",
}


class ServiceTokenAuth(httpx.Auth):
    """Signs every request with a current token (a client may outlive one token's life)."""

    def __init__(
        self, issuer: ServiceTokenIssuer, audience: str, claims: Mapping[str, Any] | None
    ) -> None:
        self._issuer, self._audience, self._claims = issuer, audience, claims

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._issuer.token_for(self._audience, claims=self._claims)
        request.headers["Authorization"] = f"Bearer {token}"
        yield request


def usual_caller_auth(audience: str, *, issuer: str | None = None) -> ServiceTokenAuth:
    """Service tokens for `audience` from its usual caller (or `issuer`), renewed as they age."""
    name = issuer or USUAL_CALLERS.get(audience, "integration-test")
    return ServiceTokenAuth(session_keys().issuer(name), audience, None)


def service_client(
    url: str,
    *,
    audience: str,
    roles: list[str] | None = None,
    issuer: str | None = None,
    **claims: Any,
) -> httpx.AsyncClient:
    """An async client for an internal service, carrying service tokens for `audience` signed
    as `issuer` (by default the operator when `roles` are given, else the usual caller)."""
    name = issuer or (OPERATOR if roles else USUAL_CALLERS.get(audience, "integration-test"))
    extra = {**claims, **({"roles": roles} if roles else {})}
    auth = ServiceTokenAuth(session_keys().issuer(name), audience, extra or None)
    return httpx.AsyncClient(base_url=url, auth=auth, timeout=CLIENT_TIMEOUT_SECONDS)


# The demo org's sales reps: P-1002 is Anna's account, Lukas owns others.
ANNA = "anna.becker@trivium.demo"
LUKAS = "lukas.schmidt@trivium.demo"


@dataclass(frozen=True)
class ServiceUnderTest:
    """The internal service a folder's integration tests call, and the audience its tokens name:
    what the `operator` and `reps` fixtures call (a folder's conftest provides it)."""

    url: str
    audience: str


@dataclass(frozen=True)
class RepClients:
    """An internal service called on behalf of each demo rep."""

    anna: httpx.AsyncClient
    lukas: httpx.AsyncClient


@asynccontextmanager
async def rep_clients(url: str, *, audience: str) -> AsyncIterator[RepClients]:
    """Clients of the service at `url` acting for Anna and for Lukas: the rep is named in the
    service token, as the mobile API passes a rep down."""
    async with (
        service_client(url, audience=audience, salesforceUsername=ANNA) as anna,
        service_client(url, audience=audience, salesforceUsername=LUKAS) as lukas,
    ):
        yield RepClients(anna=anna, lukas=lukas)


@dataclass
class Emulators:
    """The running Salesforce and S/4HANA emulators, and clients of their APIs."""

    sf_emulator: RunningService
    s4_emulator: RunningService

    @asynccontextmanager
    async def salesforce_org(self) -> AsyncIterator[httpx.AsyncClient]:
        """The emulated org's REST API with an access token (paths under `/services/...`)."""
        async with httpx.AsyncClient(
            base_url=self.sf_emulator.url, timeout=CLIENT_TIMEOUT_SECONDS
        ) as org:
            await sign_in_to_org(org)
            yield org

    def sap_odata(self) -> httpx.AsyncClient:
        """The emulated S/4HANA's OData services (paths under `/sap/opu/odata/sap`), as JSON."""
        return httpx.AsyncClient(
            base_url=f"{self.s4_emulator.url}/sap/opu/odata/sap",
            auth=SAP_USER,
            params={"sap-client": "100"},
            headers={"Accept": "application/json"},
            timeout=CLIENT_TIMEOUT_SECONDS,
        )

    def sf_admin(self) -> httpx.AsyncClient:
        """The Salesforce emulator's admin API (chaos, limits, reset)."""
        return _admin(self.sf_emulator)

    def s4_admin(self) -> httpx.AsyncClient:
        """The S/4HANA emulator's admin API (chaos, lifecycle, reset)."""
        return _admin(self.s4_emulator)

    def stop(self) -> None:
        stop_all((self.s4_emulator, self.sf_emulator))


@dataclass
class SystemStack(Emulators):
    """The running emulators and System APIs, and the Redis server they share."""

    sf_system: RunningService
    erp_system: RunningService
    redis_url: str
    extra: list[RunningService] = field(default_factory=list)
    # The ERP the ERP System API runs on; on NetSuite, its emulator (S/4HANA's runs either way).
    erp: str = "s4hana"
    netsuite_emulator: RunningService | None = None

    @property
    def erp_emulator(self) -> RunningService:
        """The emulator the ERP System API calls."""
        return self.netsuite_emulator or self.s4_emulator

    def service_env(self, *, db: int, service: str = "", **extra: str) -> dict[str, str]:
        """Shared environment of a service under test: its Redis database, and the session's
        signing key of `service` (by default the service whose variables `extra` sets) with the
        trusted keys."""
        return {
            "REDIS_URL": redis_db(self.redis_url, db),
            **CREDENTIALS_ENV,
            **_key_env(service or _service_of(extra)),
            **FAST_CLIENT_ENV,
            **extra,
        }

    def caller_env(self, service: str, *, db: int, **extra: str) -> dict[str, str]:
        """`service_env` of `service` (`quote-to-order`, `mobile-experience`...), which calls both
        System APIs of this stack: their URLs under its own variable prefix."""
        prefix = next(prefix for prefix, name in SERVICE_PREFIXES.items() if name == service)
        system_apis = {
            f"{prefix}SALESFORCE_SYSTEM_URL": self.sf_system.url,
            f"{prefix}ERP_SYSTEM_URL": self.erp_system.url,
        }
        return self.service_env(db=db, service=service, **{**system_apis, **extra})

    def stop(self, *callers: RunningService) -> None:
        """Stop the stack, and `callers` of it, all at once: a long poll held open through the
        tiers (a change feed waiting on the org) makes each of them wait out its 3 s of grace,
        which they then do together rather than one tier after the other."""
        stop_all(
            service
            for service in (
                *callers,
                *self.extra,
                self.erp_system,
                self.sf_system,
                self.s4_emulator,
                self.sf_emulator,
                self.netsuite_emulator,
            )
            if service is not None
        )


def replay_id_of(position: str) -> int:
    """The replay id a change-feed position of the Salesforce System API names (0: none, or a
    subscription not read from yet).

    Positions are opaque to their readers; tests and benchmarks alone look inside, in the
    System API's format (base64url of `{"replayId": n}`), to see how far a reader got."""
    try:
        content = json.loads(base64.urlsafe_b64decode(position + "=" * (-len(position) % 4)))
    except (binascii.Error, ValueError):
        return 0
    replay_id = content.get("replayId") if isinstance(content, dict) else None
    return replay_id if isinstance(replay_id, int) else 0


async def sign_in_to_org(org: httpx.AsyncClient) -> None:
    """Sign a client of the Salesforce emulator in with the demo app's client-credentials
    grant: its requests carry the access token from then on."""
    client_id, client_secret = SALESFORCE_CLIENT
    token = await org.post(
        "/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )
    token.raise_for_status()
    org.headers["Authorization"] = f"Bearer {token.json()['access_token']}"


def _admin(emulator: RunningService) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"{emulator.url}/__admin",
        headers={"X-Admin-Token": ADMIN_TOKEN},
        timeout=CLIENT_TIMEOUT_SECONDS,
    )


# The emulator's exposure view, which shows the limit, the block and the currency as well: the
# ERP System API reads a customer's credit from it in one round trip.
EXPOSURE_VIEW_ENV = {
    "ERP_SYSTEM_CREDIT_EXPOSURE_SERVICE": "YY1_CREDITEXPOSURE_CDS",
    "ERP_SYSTEM_CREDIT_EXPOSURE_ENTITY_SET": "YY1_CreditExposure",
    "ERP_SYSTEM_CREDIT_EXPOSURE_LIMIT_PROPERTY": "CustomerCreditLimitAmount",
    "ERP_SYSTEM_CREDIT_EXPOSURE_BLOCKED_PROPERTY": "CreditAccountIsBlocked",
    "ERP_SYSTEM_CREDIT_EXPOSURE_CURRENCY_PROPERTY": "DisplayCurrency",
}


SALESFORCE_EMULATOR: dict[str, Any] = {
    "app_factory": "salesforce_emulator.main:create_app",
    "name": "sf-emulator",
    "env": {**CREDENTIALS_ENV, "SF_EMULATOR_DATABASE_PATH": ":memory:"},
}


def start_salesforce_emulator(*, log_dir: Path, env: Mapping[str, str]) -> RunningService:
    """The Salesforce emulator on its own, an in-memory org, `env` over the stack's settings."""
    return start_service(
        SALESFORCE_EMULATOR["app_factory"],
        name=SALESFORCE_EMULATOR["name"],
        log_dir=log_dir,
        env={**SALESFORCE_EMULATOR["env"], **env},
    )


def start_emulators(*, log_dir: Path) -> Emulators:
    """The Salesforce and S/4HANA emulators, in memory and seeded."""
    sf_emulator, s4_emulator = start_all(
        [SALESFORCE_EMULATOR, ERP_EMULATORS["s4hana"]], log_dir=log_dir
    )
    return Emulators(sf_emulator, s4_emulator)


def system_api_env(service: str, *, sf_emulator_url: str, s4_emulator_url: str) -> dict[str, str]:
    """What a System API needs beyond its Redis and key: where its emulated backend is."""
    if service == "salesforce-system":
        return {"SF_SYSTEM_LOGIN_URL": sf_emulator_url}
    return {**erp_backend_env("s4hana", s4_emulator_url), **EXPOSURE_VIEW_ENV}


def start_system_stack(
    *,
    log_dir: Path,
    redis_url: str,
    system_env: Mapping[str, str] | None = None,
    user_urls: Mapping[str, str] | None = None,
    erp: str = "s4hana",
) -> SystemStack:
    """Start the emulators (in memory, seeded: Salesforce, S/4HANA, and NetSuite when `erp` is
    netsuite), then both System APIs against them (each signing in to Redis as its own user when
    `user_urls` names one)."""
    own_redis = {name: {"REDIS_URL": url} for name, url in (user_urls or {}).items()}
    emulators = [SALESFORCE_EMULATOR, ERP_EMULATORS["s4hana"]]
    if erp == "netsuite":
        emulators.append(ERP_EMULATORS["netsuite"])
    sf_emulator, s4_emulator, *netsuite = start_all(emulators, log_dir=log_dir)
    erp_emulator = netsuite[0] if netsuite else s4_emulator
    keys = session_keys()
    shared = {
        "REDIS_URL": redis_db(redis_url, SYSTEM_APIS_DB),
        **CREDENTIALS_ENV,
        **FAST_CLIENT_ENV,
        **(system_env or {}),
    }
    try:
        sf_system, erp_system = start_all(
            [
                {
                    "app_factory": "salesforce_system.main:create_app",
                    "name": "salesforce-system",
                    "env": {
                        **shared,
                        **own_redis.get("salesforce-system", {}),
                        **keys.env("salesforce-system"),
                        "SF_SYSTEM_LOGIN_URL": sf_emulator.url,
                    },
                },
                {
                    "app_factory": "erp_system.main:create_app",
                    "name": "erp-system",
                    "env": {
                        **shared,
                        **own_redis.get("erp-system", {}),
                        **keys.env("erp-system"),
                        **erp_backend_env(erp, erp_emulator.url),
                        **EXPOSURE_VIEW_ENV,
                    },
                },
            ],
            log_dir=log_dir,
        )
    except Exception:
        stop_all((sf_emulator, s4_emulator, *netsuite))
        raise
    return SystemStack(
        sf_emulator,
        s4_emulator,
        sf_system,
        erp_system,
        redis_url,
        erp=erp,
        netsuite_emulator=netsuite[0] if netsuite else None,
    )


# The env prefix of each service's own settings.
SERVICE_PREFIXES = {
    "QUOTE_TO_ORDER_": "quote-to-order",
    "CREATE_CUSTOMER_": "create-customer",
    "CUSTOMER_SYNC_": "customer-sync",
    "MOBILE_": "mobile-experience",
    "PARTNER_PORTAL_": "partner-portal-experience",
    "SF_SYSTEM_": "salesforce-system",
    "ERP_SYSTEM_": "erp-system",
    "GATEWAY_": "gateway",
}


def _service_of(env: Mapping[str, str]) -> str:
    named = {
        service
        for name in env
        for prefix, service in SERVICE_PREFIXES.items()
        if name.startswith(prefix)
    }
    return named.pop() if len(named) == 1 else ""


def _key_env(service: str) -> dict[str, str]:
    """The key environment of `service` (only the trusted keys when it is not named)."""
    keys: KeyRing = session_keys()
    if service:
        return keys.env(service)
    return {"TRIVIUM_TRUSTED_KEYS": str(keys.trusted_dir)}


def start_private_redis(
    run_dir: Path, *, users: Mapping[str, str] | None = None, admin_password: str | None = None
) -> RedisEndpoint:
    """A Redis server for one stack alone: `redis-server` when installed (with a user per service
    of `users`, as `make run` starts it), else fakeredis."""
    try:
        return start_redis_server(run_dir, users=users, admin_password=admin_password)
    except FileNotFoundError:
        return start_fake_redis_server()
