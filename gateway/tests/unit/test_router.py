"""Kong's route matching and upstream paths."""

from __future__ import annotations

import pytest
import yaml

from trivium_gateway.declarative import env_vault, parse_declarative
from trivium_gateway.router import Router, join_paths
from trivium_gateway.settings import GATEWAY_DIR


@pytest.fixture
def router(plugin_specs):
    document = yaml.safe_load((GATEWAY_DIR / "kong.yml").read_text())
    resolve = env_vault({"TRIVIUM_SERVICE_KEY_FILE": "/run/secrets/gateway.pem"})
    return Router(parse_declarative(document, plugins=plugin_specs, resolve=resolve))


def route_of(router, method, path):
    found = router.match(method=method, scheme="http", host="gw", path=path, raw_path=path)
    return found.route.name if found else None


class TestMatch:
    @pytest.mark.parametrize(
        ("method", "path", "route"),
        [
            ("GET", "/partner/v1/account", "partner-api"),
            ("POST", "/partner/v1/orders", "partner-orders-create"),
            ("GET", "/partner/v1/orders", "partner-api"),
            ("GET", "/partner/index.html", "partner-portal-page"),
            ("GET", "/partner/v1/openapi.json", "partner-api-docs"),
            ("HEAD", "/partner/v1/docs", "partner-api-docs"),
            ("GET", "/partner/v1/docs/x", "partner-api"),
            ("POST", "/partner/v1/docs", "partner-api"),
            ("POST", "/partner/index.html", None),
            ("GET", "/mobile/v1/accounts/1", "mobile-api"),
            ("GET", "/mobile", None),
            ("GET", "/", None),
        ],
    )
    def test_most_specific_route_wins(self, router, method, path, route):
        assert route_of(router, method, path) == route

    def test_prefix_matches_any_continuation(self, router):
        # Kong's prefix paths are plain string prefixes, not segment prefixes.
        assert route_of(router, "GET", "/partner/v1x") == "partner-api"


class TestJoinPaths:
    @pytest.mark.parametrize(
        ("service_path", "remainder", "handling", "expected"),
        [
            (None, "", "v0", "/"),
            (None, "/a", "v0", "/a"),
            ("/base", "", "v0", "/base"),
            ("/base", "/a", "v0", "/base/a"),
            ("/base/", "/a", "v0", "/base/a"),
            ("/base", "a", "v0", "/base/a"),
            ("/base/", "/a", "v1", "/base//a"),
            ("/base", "a", "v1", "/basea"),
        ],
    )
    def test_as_kong(self, service_path, remainder, handling, expected):
        assert join_paths(service_path, remainder, handling=handling) == expected
