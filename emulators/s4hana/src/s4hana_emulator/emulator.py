"""The emulator's composition root: the database, the OData engine and the in-process registries."""

from __future__ import annotations

from dataclasses import dataclass

from emulator_kit.chaos import Chaos
from s4hana_emulator.domain.lifecycle import OrderLifecycle, delays_for
from s4hana_emulator.domain.security import SessionStore, TokenStore
from s4hana_emulator.domain.seed import load_demo_data
from s4hana_emulator.odata.engine import ODataEngine
from s4hana_emulator.odata.store import Store
from s4hana_emulator.services import build_services
from s4hana_emulator.settings import S4HanaEmulatorSettings


@dataclass
class Emulator:
    """The system and its logon, CSRF sessions, chaos and lifecycle, shared by every request."""

    settings: S4HanaEmulatorSettings
    store: Store
    engine: ODataEngine
    sessions: SessionStore
    tokens: TokenStore
    chaos: Chaos
    lifecycle: OrderLifecycle
    lifecycle_speed: float = 0.0

    @property
    def session_cookie_name(self) -> str:
        return f"SAP_SESSIONID_{self.settings.system_id}_{self.settings.sap_client}"

    def canonical_service(self, name: str) -> str:
        """ICF paths are case-insensitive: `api_business_partner` is API_BUSINESS_PARTNER."""
        upper = name.upper()
        return next((known for known in self.engine.services if known.upper() == upper), name)

    def set_lifecycle_speed(self, speed: float) -> None:
        settings = self.settings
        self.lifecycle_speed = speed
        self.lifecycle.delays = delays_for(
            speed=speed,
            delivery_seconds=settings.lifecycle_delivery_after_seconds,
            billing_seconds=settings.lifecycle_billing_after_seconds,
        )

    def reset(self, *, seed: bool) -> None:
        """Delete all data (and sessions), then load the demo data when asked."""
        self.store.clear()
        self.sessions.expire_all()
        if seed:
            load_demo_data(self.engine)

    def close(self) -> None:
        self.store.close()


def build_emulator(settings: S4HanaEmulatorSettings) -> Emulator:
    """Open (or create) the database, seed it when empty and asked, and build what serves it."""
    runtimes = build_services(settings)
    store = Store(settings.database_path)
    store.create_schema(runtime.model for runtime in runtimes)
    engine = ODataEngine(store, runtimes, page_size=settings.page_size, max_top=settings.max_top)
    if settings.seed_demo_data and store.is_empty():
        load_demo_data(engine)
    emulator = Emulator(
        settings=settings,
        store=store,
        engine=engine,
        sessions=SessionStore(ttl_seconds=settings.csrf_session_ttl_seconds),
        tokens=TokenStore(ttl_seconds=settings.oauth_token_ttl_seconds),
        chaos=Chaos(seed=settings.chaos_seed),
        lifecycle=OrderLifecycle(lambda: engine.context("SAP_WFRT"), None),
    )
    emulator.set_lifecycle_speed(settings.lifecycle_speed)
    return emulator
