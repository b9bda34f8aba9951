"""Consumer side of the gateway's contracts: the repository's kong.yml, run by the local gateway
with its plugins in process, in front of a Pact mock server standing in for the experience APIs.
What arrives at the mock (paths, the signed identity, the correlation id) is what the gateway
promises them; the experience APIs verify it (see contracts/README.md)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from trivium_gateway.main import create_app
from trivium_gateway.render import dump_config, render_config
from trivium_gateway.settings import GATEWAY_DIR, GatewaySettings
from trivium_testing.keys import session_keys
from trivium_testing.mock_servers import pact_fixture
from trivium_testing.pacts import serve_app

CONSUMER = "gateway"
PARTNER_SERVICES = ("partner-portal-experience", "partner-portal-page")

GatewayAt = Callable[[object], AbstractContextManager[str]]


def kong_document() -> dict[str, Any]:
    """The repository's kong.yml, parsed."""
    loaded: dict[str, Any] = yaml.safe_load((GATEWAY_DIR / "kong.yml").read_text())
    return loaded


partner_portal_pact = pact_fixture(CONSUMER, "partner-portal")
mobile_pact = pact_fixture(CONSUMER, "mobile")


def _gateway_at(tmp_path: Path, redis_url: str, services: tuple[str, ...]) -> GatewayAt:
    @contextmanager
    def running(upstream: object) -> Iterator[str]:
        config = tmp_path / f"kong-{time.monotonic_ns()}.yml"
        document = render_config(
            kong_document(),
            upstreams={service: str(upstream) for service in services},
            redis_url=redis_url,
        )
        config.write_text(dump_config(document))
        settings = GatewaySettings(
            config_path=config,
            plugins_dir=GATEWAY_DIR / "plugins",
            plugin_mode="in-process",
            redis_url=redis_url,
            **session_keys().settings("gateway"),
            log_format="text",
        )
        with serve_app(create_app(settings)) as url:
            yield url

    return running


@pytest.fixture
def partner_gateway_at(tmp_path: Path, redis_url: str) -> GatewayAt:
    """The gateway with the partner portal's services at a mock server's URL."""
    return _gateway_at(tmp_path, redis_url, PARTNER_SERVICES)


@pytest.fixture
def mobile_gateway_at(tmp_path: Path, redis_url: str) -> GatewayAt:
    """The gateway with the mobile API's service at a mock server's URL."""
    return _gateway_at(tmp_path, redis_url, ("mobile-experience",))


@pytest.fixture
def partner_api_key() -> str:
    """A gold partner's demo API key, from kong.yml."""
    consumer = next(c for c in kong_document()["consumers"] if c["username"] == "partner-nordwind")
    key: str = consumer["keyauth_credentials"][0]["key"]
    return key


@pytest.fixture
def rep_jwt(rep_token: Callable[..., str]) -> str:
    """A sales rep's JWT as the mobile app's identity provider issues it (kong.yml credential)."""
    return rep_token()
