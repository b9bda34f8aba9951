"""The emulator's composition root: the database, credentials, governance and chaos."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from emulator_kit.chaos import Chaos
from netsuite_emulator.domain.concurrency import ConcurrencyGovernor
from netsuite_emulator.domain.lifecycle import OrderLifecycle, delays_for
from netsuite_emulator.domain.oauth1 import NonceRegistry, OAuth1Verifier, TokenCredentials
from netsuite_emulator.domain.oauth2 import BearerTokens, ClientMapping, load_public_key
from netsuite_emulator.domain.records.common import RecordContext, utc_now
from netsuite_emulator.domain.seed import load_demo_data
from netsuite_emulator.domain.store import Store
from netsuite_emulator.settings import NetSuiteEmulatorSettings

REST_PREFIX = "/services/rest"
RECORD_PREFIX = f"{REST_PREFIX}/record/v1"
# Links are built per request from the host the client called; background work has no request,
# and no link is ever stored.
LIFECYCLE_ORIGIN = "http://localhost"


@dataclass
class Emulator:
    """The account and its logins, shared by every request."""

    settings: NetSuiteEmulatorSettings
    store: Store
    oauth1: OAuth1Verifier
    oauth2: ClientMapping
    bearer_tokens: BearerTokens
    governor: ConcurrencyGovernor
    chaos: Chaos
    lifecycle: OrderLifecycle
    clock: Callable[[], datetime] = field(default=utc_now)

    def records(self, origin: str) -> RecordContext:
        """The record context of a request that reached the emulator at `origin`."""
        return RecordContext(
            store=self.store,
            clock=self.clock,
            base_url=f"{origin.rstrip('/')}{RECORD_PREFIX}",
            enforce_credit_limit=self.settings.credit_limit_handling == "enforce",
            number_customers=self.settings.customer_numbering == "auto",
        )

    def set_lifecycle_speed(self, speed: float) -> None:
        settings = self.settings
        self.lifecycle.speed = speed
        self.lifecycle.delays = delays_for(
            speed=speed,
            fulfillment_seconds=settings.lifecycle_fulfillment_after_seconds,
            billing_seconds=settings.lifecycle_billing_after_seconds,
        )

    def reset(self, *, seed: bool) -> None:
        """Delete all data, tokens and nonces, then load the demo data when asked."""
        self.store.clear()
        self.bearer_tokens.revoke_all()
        self.oauth1.nonces.clear()
        if seed:
            load_demo_data(self.records(LIFECYCLE_ORIGIN))

    def close(self) -> None:
        self.store.close()


def build_emulator(
    settings: NetSuiteEmulatorSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
    wall_clock: Callable[[], float] = time.time,
) -> Emulator:
    """Open (or create) the database, seed it when empty and asked, and build the logins."""
    store = Store(settings.database_path)
    window = settings.oauth1_timestamp_window_seconds
    certificate = settings.oauth2_certificate_path
    emulator = Emulator(
        settings=settings,
        store=store,
        oauth1=OAuth1Verifier(
            TokenCredentials(
                realm=settings.realm,
                consumer_key=settings.consumer_key,
                consumer_secret=settings.consumer_secret.get_secret_value(),
                token_id=settings.token_id,
                token_secret=settings.token_secret.get_secret_value(),
            ),
            NonceRegistry(window_seconds=window),
            window,
            wall_clock,
        ),
        oauth2=ClientMapping(
            client_id=settings.oauth2_client_id,
            certificate_id=settings.oauth2_certificate_id,
            public_key=load_public_key(certificate) if certificate else None,
        ),
        bearer_tokens=BearerTokens(ttl_seconds=settings.oauth2_token_ttl_seconds, clock=wall_clock),
        governor=ConcurrencyGovernor(settings.concurrency_limit),
        chaos=Chaos(seed=settings.chaos_seed),
        lifecycle=OrderLifecycle(lambda: emulator.records(LIFECYCLE_ORIGIN), None),
        clock=clock,
    )
    emulator.set_lifecycle_speed(settings.lifecycle_speed)
    if settings.seed_demo_data and store.is_empty():
        load_demo_data(emulator.records(LIFECYCLE_ORIGIN))
    return emulator
