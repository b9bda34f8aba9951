"""Loading kong.yml: the repository's file passes Kong's schemas; broken files are refused."""

from __future__ import annotations

import copy

import pytest

from trivium_gateway.declarative import DeclarativeError, env_vault, parse_declarative
from trivium_gateway.settings import GATEWAY_DIR

ENVIRONMENT = {"TRIVIUM_SERVICE_KEY_FILE": "/run/secrets/gateway.pem"}


@pytest.fixture
def document():
    import yaml

    return yaml.safe_load((GATEWAY_DIR / "kong.yml").read_text())


def load(document, specs, environment=ENVIRONMENT):
    return parse_declarative(document, plugins=specs, resolve=env_vault(environment))


class TestRepositoryKongYml:
    def test_loads(self, document, plugin_specs):
        config = load(document, plugin_specs)

        assert set(config.by_name["services"]) == {
            "partner-portal-experience",
            "partner-portal-page",
            "mobile-experience",
        }
        assert {c.username for c in config.consumers.values()} >= {
            "partner-nordwind",
            "partner-alpen",
            "partner-rhein",
            "rep-anna-becker",
        }

    def test_plugins_get_defaults_and_secrets(self, document, plugin_specs):
        config = load(document, plugin_specs)

        identity = next(p for p in config.plugins if p.name == "signed-identity")
        quota = next(p for p in config.plugins if p.name == "partner-quota")
        assert identity.config["private_key_file"] == "/run/secrets/gateway.pem"
        assert identity.config["issuer"] == "gateway"
        assert quota.config["fail_open"] is True

    def test_kongs_prometheus_plugin_is_global(self, document, plugin_specs):
        config = load(document, plugin_specs)

        (prometheus,) = (p for p in config.plugins if p.name == "prometheus")
        assert (prometheus.route_id, prometheus.service_id, prometheus.consumer_id) == (None,) * 3
        assert prometheus.config["per_consumer"] is False
        assert prometheus.config["ai_metrics"] is False  # Kong's default filled in

    def test_ids_are_stable(self, document, plugin_specs):
        first = load(document, plugin_specs)
        second = load(copy.deepcopy(document), plugin_specs)

        assert first.consumers.keys() == second.consumers.keys()

    def test_each_plan_has_a_partner(self, document):
        plans = {
            tag
            for consumer in document["consumers"]
            for tag in consumer.get("tags", [])
            if tag.startswith("plan-")
        }

        assert {"plan-gold", "plan-silver", "plan-bronze"} <= plans


class TestRefused:
    def test_format_version(self, document, plugin_specs):
        document["_format_version"] = "1.1"

        with pytest.raises(DeclarativeError, match="_format_version"):
            load(document, plugin_specs)

    def test_unknown_plugin(self, document, plugin_specs):
        document["plugins"].append({"name": "request-transformer-advanced"})

        with pytest.raises(DeclarativeError, match="not available"):
            load(document, plugin_specs)

    def test_bad_plugin_field(self, document, plugin_specs):
        plugins = document["services"][0]["plugins"]
        key_auth = next(plugin for plugin in plugins if plugin["name"] == "key-auth")
        key_auth["config"]["key_names"] = "apikey"

        with pytest.raises(DeclarativeError, match="key-auth"):
            load(document, plugin_specs)

    def test_bad_prometheus_field(self, document, plugin_specs):
        prometheus = next(p for p in document["plugins"] if p["name"] == "prometheus")
        prometheus["config"]["per_route"] = True

        with pytest.raises(DeclarativeError, match="prometheus"):
            load(document, plugin_specs)

    def test_unknown_entity_field(self, document, plugin_specs):
        document["services"][0]["routes"][0]["pathz"] = ["/x"]

        with pytest.raises(DeclarativeError, match="pathz"):
            load(document, plugin_specs)

    def test_duplicate_key(self, document, plugin_specs):
        document["consumers"][1]["keyauth_credentials"] = document["consumers"][0][
            "keyauth_credentials"
        ]

        with pytest.raises(DeclarativeError, match="not unique"):
            load(document, plugin_specs)

    def test_missing_vault_variable(self, document, plugin_specs):
        with pytest.raises(DeclarativeError, match="TRIVIUM_SERVICE_KEY_FILE is not set"):
            load(document, plugin_specs, environment={})

    def test_our_plugins_schema(self, document, plugin_specs):
        plugins = document["services"][0]["plugins"]
        quota = next(plugin for plugin in plugins if plugin["name"] == "partner-quota")
        quota["config"]["cost"] = 0

        with pytest.raises(DeclarativeError, match="cost"):
            load(document, plugin_specs)
