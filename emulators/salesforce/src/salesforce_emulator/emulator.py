"""The emulator's composition root: the org and every in-process registry, built from settings."""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from salesforce_emulator.domain.auth import ConnectedApp, SessionStore
from salesforce_emulator.domain.basics import OrgUser, ensure_standard_pricebook, ensure_user
from salesforce_emulator.domain.bulk import BulkJobs
from salesforce_emulator.domain.chaos import Chaos
from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.events import ChangeEventLog
from salesforce_emulator.domain.limits import ApiLimits
from salesforce_emulator.domain.locators import QueryLocators
from salesforce_emulator.domain.objects import build_catalog
from salesforce_emulator.domain.org import Org, load_org_id
from salesforce_emulator.domain.seed import is_empty, seed_demo_data
from salesforce_emulator.domain.store import Store
from salesforce_emulator.domain.streaming import StreamingHub
from salesforce_emulator.settings import SalesforceEmulatorSettings

DEMO_CERTIFICATE = "connected-app.crt"


def demo_certificate() -> bytes:
    """The demo connected-app certificate shipped with the package."""
    return resources.files("salesforce_emulator.demo").joinpath(DEMO_CERTIFICATE).read_bytes()


def demo_private_key() -> bytes:
    """The demo private key matching `demo_certificate` (for tests and demo clients)."""
    return resources.files("salesforce_emulator.demo").joinpath("connected-app.key").read_bytes()


@dataclass
class Emulator:
    """The org, its sign-in, limits and chaos, shared by every request of this process."""

    settings: SalesforceEmulatorSettings
    org: Org
    user: OrgUser
    sessions: SessionStore
    connected_app: ConnectedApp
    limits: ApiLimits
    chaos: Chaos
    locators: QueryLocators
    bulk: BulkJobs
    streaming: StreamingHub

    def system_context(self) -> WriteContext:
        """The writer of seed data and admin operations."""
        return WriteContext(self.user.id, f"com/salesforce/api/rest/{self.settings.api_version}")

    def reset(self, *, seed: bool) -> dict[str, int]:
        """Empty the org (keeping its user and standard price book), optionally reseeded."""
        self.org.store.wipe(self.org.catalog)
        self.org.load_counters()
        self.user = ensure_user(
            self.org, username=self.settings.username, email=self.settings.user_email
        )
        ensure_standard_pricebook(self.org, self.system_context())
        self.locators.clear()
        self.bulk.clear()
        return seed_demo_data(self.org, self.system_context()) if seed else {}

    def check_database(self) -> None:
        """Raise unless the database answers (readiness)."""
        with self.org.store.reading() as conn:
            conn.execute("SELECT 1").fetchone()

    def close(self) -> None:
        self.bulk.shutdown()
        self.org.store.close()


def build_emulator(settings: SalesforceEmulatorSettings) -> Emulator:
    """Open (or create) the org's database and everything that serves it."""
    catalog = build_catalog()
    store = Store(settings.database_path)
    store.create_schema(catalog)
    events = ChangeEventLog(
        retention_hours=settings.cdc_retention_hours,
        entities=settings.cdc_entities,
        overflow_threshold=settings.cdc_overflow_threshold,
    )
    org = Org(store, catalog, events, org_id=load_org_id(store))
    org.load_counters()
    with store.transaction() as conn:
        events.purge(conn, now_ms=int(time.time() * 1000))
    user = ensure_user(org, username=settings.username, email=settings.user_email)
    certificate = (
        Path(settings.jwt_certificate_path).read_bytes()
        if settings.jwt_certificate_path
        else demo_certificate()
    )
    limits = ApiLimits(daily_api_requests=settings.daily_api_requests)
    emulator = Emulator(
        settings=settings,
        org=org,
        user=user,
        sessions=SessionStore(org_id=org.org_id, ttl_seconds=settings.token_ttl_seconds),
        connected_app=ConnectedApp(
            client_id=settings.client_id,
            client_secret=settings.client_secret.get_secret_value(),
            certificate_pem=certificate,
            user=user,
            password=settings.password.get_secret_value(),
            security_token=settings.security_token.get_secret_value(),
            audiences=tuple(item.rstrip("/") for item in settings.jwt_audiences),
        ),
        limits=limits,
        chaos=Chaos(seed=settings.chaos_seed),
        locators=QueryLocators(ttl_seconds=settings.query_locator_ttl_seconds),
        bulk=BulkJobs(org, limits, settings.bulk_batch_size),
        streaming=StreamingHub(
            org, timeout_seconds=settings.cometd_timeout_seconds, run_blocking=run_in_threadpool
        ),
    )
    ensure_standard_pricebook(org, emulator.system_context())
    if settings.seed_demo_data and is_empty(org):
        seed_demo_data(org, emulator.system_context())
    return emulator
