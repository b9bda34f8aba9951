"""The whole suite on loopback for the end-to-end benchmarks, each service its own process.

A private redis-server; both emulators (in memory, demo seed, no injected latency); both System
APIs; quote-to-order and create-customer; the mobile and partner-portal Experience APIs; and the
local gateway running the repository's kong.yml pointed at them. The partner quotas and the
mobile rate limit are raised so that the load measures the suite, not the refusals of a plan;
every other plugin runs as configured. The gateway shares the System APIs' Redis database, so
the Salesforce budget guard reads the budget the Salesforce System API really publishes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import yaml
from _script import private_redis
from erp_system.adapters.netsuite.auth import TokenBasedAuth
from erp_system.adapters.netsuite.rest import RECORDS, SUITEQL
from trivium_gateway.render import dump_config, render_config
from trivium_gateway.settings import GATEWAY_DIR

from trivium_testing.services import RunningService
from trivium_testing.stack import (
    ADMIN_TOKEN,
    NETSUITE_ACCOUNT,
    NETSUITE_TBA,
    SAP_USER,
    SYSTEM_APIS_DB,
    SystemStack,
    redis_db,
    start_all,
    start_system_stack,
)

PARTNERS = (("P-1001", "1000001"), ("P-1002", "1000002"), ("P-1003", "1000003"))
QUIET = {"TRIVIUM_LOG_LEVEL": "WARNING"}


@dataclass
class FullStack:
    system: SystemStack
    quote_to_order: RunningService
    create_customer: RunningService
    mobile: RunningService
    partner_portal: RunningService
    gateway: RunningService
    redis_url: str

    def services(self) -> dict[str, RunningService]:
        """Every service process by name (for CPU and memory readings)."""
        system = self.system
        return {
            "salesforce-emulator": system.sf_emulator,
            "s4hana-emulator": system.s4_emulator,
            "salesforce-system": system.sf_system,
            "erp-system": system.erp_system,
            "quote-to-order": self.quote_to_order,
            "create-customer": self.create_customer,
            "mobile": self.mobile,
            "partner-portal": self.partner_portal,
            "gateway": self.gateway,
        }


def kong_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((GATEWAY_DIR / "kong.yml").read_text())
    return document


def raise_plan_limits(document: dict[str, Any]) -> None:
    """Raise the partner quotas and the mobile rate limit of a rendered kong.yml out of the
    benchmark's way, so that the load measures the gateway, not the refusals of a plan."""
    for service in document["services"]:
        for holder in [service, *service.get("routes", [])]:
            for plugin in holder.get("plugins") or []:
                if plugin["name"] == "partner-quota":
                    for plan in plugin["config"]["plans"].values():
                        plan.update(second=10_000_000, minute=100_000_000)
                if plugin["name"] == "rate-limiting":
                    plugin["config"].update(minute=100_000_000, hour=100_000_000)


def gateway_config(urls: dict[str, str], folder: Path) -> Path:
    """kong.yml pointed at this stack, with plan limits out of the benchmark's way."""
    document = render_config(
        kong_document(),
        upstreams={
            "partner-portal-experience": urls["partner-portal"],
            "partner-portal-page": urls["partner-portal"],
            "mobile-experience": urls["mobile"],
        },
    )
    raise_plan_limits(document)
    path = folder / "kong.yml"
    path.write_text(dump_config(document))
    return path


def partner_key(plan: str = "gold") -> str:
    """A demo partner's API key from kong.yml."""
    consumer = next(c for c in kong_document()["consumers"] if f"plan-{plan}" in c.get("tags", []))
    key: str = consumer["keyauth_credentials"][0]["key"]
    return key


def rep_jwt() -> str:
    """A signed JWT of the demo sales rep, as the mobile app would send."""
    consumer = next(c for c in kong_document()["consumers"] if c.get("jwt_secrets"))
    secret = consumer["jwt_secrets"][0]
    now = int(time.time())
    return jwt.encode(
        {
            "iss": secret["key"],
            "sub": consumer["custom_id"],
            "iat": now,
            "nbf": now,
            "exp": now + 3000,
        },
        secret["secret"],
        algorithm=secret["algorithm"],
    )


def raise_credit_limits(system: SystemStack, customers: Iterable[str]) -> None:
    """Give the ERP customers credit limits that the benchmark's orders cannot exhaust."""
    if system.erp == "netsuite":
        _lift_netsuite_credit_limits(system.erp_emulator.url, customers)
        return
    raise_s4_credit_limits(system.s4_emulator.url, customers)


def raise_s4_credit_limits(s4_url: str, customers: Iterable[str]) -> None:
    """S/4HANA: credit limits the benchmark's orders cannot exhaust."""
    with httpx.Client(
        base_url=f"{s4_url}/sap/opu/odata/sap/API_CRDTMBUSINESSPARTNER",
        auth=SAP_USER,
        params={"sap-client": "100"},
        headers={"Accept": "application/json"},
        timeout=30,
    ) as sap:
        token = sap.get("/", headers={"x-csrf-token": "Fetch"}).headers["x-csrf-token"]
        for customer in customers:
            sap.patch(
                f"/CreditManagementAccount(BusinessPartner='{customer}',CreditSegment='1000')",
                json={"CreditLimitAmount": "999999999.000"},
                headers={"x-csrf-token": token, "If-Match": "*"},
            ).raise_for_status()


def _lift_netsuite_credit_limits(url: str, customers: Iterable[str]) -> None:
    """NetSuite: the customers' credit hold switched off (`creditHoldOverride` OFF) and credit
    limits the benchmark's orders cannot exhaust (the ERP System API checks the limit itself)."""
    signer = TokenBasedAuth(
        realm=NETSUITE_ACCOUNT,
        consumer_key=NETSUITE_TBA["CONSUMER_KEY"],
        consumer_secret=NETSUITE_TBA["CONSUMER_SECRET"],
        token_id=NETSUITE_TBA["TOKEN_ID"],
        token_secret=NETSUITE_TBA["TOKEN_SECRET"],
    )
    with httpx.Client(base_url=url, timeout=30) as netsuite:
        for customer in customers:
            query = {"q": f"SELECT id FROM customer WHERE entityid = '{customer}'"}
            found = netsuite.build_request(
                "POST", SUITEQL, json=query, headers={"Prefer": "transient"}
            )
            signer(found)
            [row] = netsuite.send(found).raise_for_status().json()["items"]
            change = netsuite.build_request(
                "PATCH",
                f"{RECORDS}/customer/{row['id']}",
                json={"creditHoldOverride": "OFF", "creditLimit": 999_999_999},
            )
            signer(change)
            netsuite.send(change).raise_for_status()
        # Stock the benchmark's orders cannot exhaust either (S/4HANA's seed has plenty).
        query = {"q": "SELECT item, location FROM inventoryitemlocations"}
        found = netsuite.build_request("POST", SUITEQL, json=query, headers={"Prefer": "transient"})
        signer(found)
        for row in netsuite.send(found).raise_for_status().json()["items"]:
            netsuite.put(
                f"/__admin/stock/{row['item']}/{row['location']}",
                json={"quantityOnHand": "1000000"},
                headers={"X-Admin-Token": ADMIN_TOKEN},
            ).raise_for_status()


def quiet_start(
    system: SystemStack, app_factory: str, name: str, *, db: int, **env: str
) -> dict[str, Any]:
    """What `start_all` starts one service of the stack from: its Redis database, its
    environment, and warnings-only logs."""
    return {
        "app_factory": app_factory,
        "name": name,
        "env": system.service_env(db=db, **env, **QUIET),
    }


@contextmanager
def full_stack(
    folder: Path,
    *,
    plugin_mode: str = "in-process",
    erp: str = "s4hana",
    env: Mapping[str, str] | None = None,
) -> Iterator[FullStack]:
    """Start the whole suite on the ERP `erp`, every process with `env` as well; stop it all
    afterwards."""
    redis = private_redis(folder)
    logs = folder / "logs"
    extra = dict(env or {})
    system = start_system_stack(
        log_dir=logs, redis_url=redis.url, system_env={**QUIET, **extra}, erp=erp
    )
    started: list[RunningService] = []
    try:
        sf, erp = system.sf_system.url, system.erp_system.url
        process = start_all(
            [
                quiet_start(
                    system,
                    "quote_to_order_process.main:create_app",
                    "quote-to-order",
                    db=9,
                    **extra,
                    QUOTE_TO_ORDER_SALESFORCE_SYSTEM_URL=sf,
                    QUOTE_TO_ORDER_ERP_SYSTEM_URL=erp,
                ),
                quiet_start(
                    system,
                    "create_customer_process.main:create_app",
                    "create-customer",
                    db=1,
                    **extra,
                    CREATE_CUSTOMER_SALESFORCE_SYSTEM_URL=sf,
                    CREATE_CUSTOMER_ERP_SYSTEM_URL=erp,
                ),
            ],
            log_dir=logs,
        )
        started += process
        quote_to_order, create_customer = process
        experience = start_all(
            [
                quiet_start(
                    system,
                    "mobile_experience.main:create_app",
                    "mobile",
                    db=3,
                    **extra,
                    MOBILE_SALESFORCE_SYSTEM_URL=sf,
                    MOBILE_ERP_SYSTEM_URL=erp,
                    MOBILE_QUOTE_TO_ORDER_URL=quote_to_order.url,
                    MOBILE_CREATE_CUSTOMER_URL=create_customer.url,
                ),
                quiet_start(
                    system,
                    "partner_portal_experience.main:create_app",
                    "partner-portal",
                    db=5,
                    **extra,
                    PARTNER_PORTAL_SALESFORCE_SYSTEM_URL=sf,
                    PARTNER_PORTAL_ERP_SYSTEM_URL=erp,
                    PARTNER_PORTAL_QUOTE_TO_ORDER_URL=quote_to_order.url,
                ),
            ],
            log_dir=logs,
        )
        started += experience
        mobile, partner_portal = experience
        config = gateway_config(
            {"mobile": mobile.url, "partner-portal": partner_portal.url}, folder
        )
        gateway_start = quiet_start(
            system,
            "trivium_gateway.main:create_app",
            "gateway",
            db=SYSTEM_APIS_DB,
            **extra,
            GATEWAY_CONFIG_PATH=str(config),
            GATEWAY_PLUGIN_MODE=plugin_mode,
        )
        [gateway] = start_all([gateway_start], log_dir=logs)
        started.append(gateway)
        raise_credit_limits(system, (customer for _, customer in PARTNERS))
        yield FullStack(
            system,
            quote_to_order,
            create_customer,
            mobile,
            partner_portal,
            gateway,
            redis_db(redis.url, 0),
        )
    finally:
        for service in reversed(started):
            service.stop()
        system.stop()
        redis.stop()


def resident_mib(service: RunningService) -> float:
    """The process's resident memory now, in MiB (Linux `/proc`)."""
    for line in Path(f"/proc/{service.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def cpu_seconds(service: RunningService) -> float:
    """User + system CPU time the process has used so far (Linux `/proc`)."""
    # Fields after the command name, which is in parentheses and may hold spaces.
    fields = Path(f"/proc/{service.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The services of this repository (the emulators stand in for the backends and are not ours).
OUR_SERVICES = (
    "gateway", "partner-portal", "mobile", "quote-to-order", "create-customer",
    "salesforce-system", "erp-system",
)  # fmt: skip
ODATA_ROUTE = 'route="/sap/'


async def erp_requests(stack: FullStack) -> int:
    """OData requests the S/4HANA emulator has served so far, counted by the emulator itself
    (its request counter, a `$batch` and a CSRF fetch each one round trip)."""
    async with httpx.AsyncClient(base_url=stack.system.s4_emulator.url, timeout=10) as emulator:
        text = (await emulator.get("/metrics")).text
    return round(
        sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("trivium_http_requests_total{") and ODATA_ROUTE in line
        )
    )


@dataclass(frozen=True)
class Usage:
    """What the stack has used so far: CPU seconds per service, ERP round trips, Salesforce
    API calls; the difference of two readings is what the load between them cost."""

    cpu: dict[str, float]
    erp_requests: int
    salesforce_calls: int

    @classmethod
    async def read(cls, stack: FullStack) -> Usage:
        async with stack.system.sf_admin() as admin:
            used = int((await admin.get("/limits")).json()["used"])
        return cls(
            cpu={name: cpu_seconds(service) for name, service in stack.services().items()},
            erp_requests=await erp_requests(stack),
            salesforce_calls=used,
        )

    def per_request(self, before: Usage, requests: int) -> dict[str, Any]:
        """Round trips, calls and CPU ms per request of the load since `before`."""
        count = max(requests, 1)
        cpu_ms = {
            name: round((seconds - before.cpu[name]) * 1000 / count, 2)
            for name, seconds in self.cpu.items()
        }
        return {
            "erp_round_trips_per_order": round(
                (self.erp_requests - before.erp_requests) / count, 2
            ),
            "salesforce_calls_per_order": round(
                (self.salesforce_calls - before.salesforce_calls) / count, 2
            ),
            "cpu_ms_per_order": cpu_ms,
            "our_services_cpu_ms_per_order": round(sum(cpu_ms[name] for name in OUR_SERVICES), 2),
        }
