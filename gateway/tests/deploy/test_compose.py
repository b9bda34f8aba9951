"""deploy/docker-compose.yml, checked statically (Docker cannot run here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
KONG_PLUGINS = {"partner-quota", "salesforce-budget-guard", "signed-identity"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def environment_of(service):
    return service.get("environment") or {}


class TestServices:
    def test_every_service_kong_and_redis(self, compose, services):
        assert set(compose["services"]) == {*services, "kong", "redis"}

    def test_built_from_its_own_dockerfile_on_its_port(self, compose, services, root):
        for name, (folder, port) in services.items():
            service = compose["services"][name]
            dockerfile = root / service["build"]["dockerfile"]

            assert service["build"]["context"] == "..", name
            assert service["build"]["dockerfile"] == f"{folder}/Dockerfile", name
            assert f"EXPOSE {port}" in dockerfile.read_text(), name
            assert service["ports"] == [f"{port}:{port}"], name

    def test_urls_name_services_on_their_ports(self, compose, services):
        for name, service in compose["services"].items():
            for variable, value in environment_of(service).items():
                for host, port in re.findall(r"https?://([a-z0-9-]+):(\d+)", str(value)):
                    assert host in services, f"{name}.{variable} names {host}"
                    assert int(port) == services[host][1], f"{name}.{variable}"

    def test_dependencies_exist_and_wait_for_health(self, compose):
        for name, service in compose["services"].items():
            for dependency, condition in (service.get("depends_on") or {}).items():
                assert dependency in compose["services"], f"{name} → {dependency}"
                assert condition == {"condition": "service_healthy"}

    def test_services_share_redis_and_the_token_secret(self, compose, services, emulators):
        for name in services.keys() - emulators:
            environment = environment_of(compose["services"][name])
            assert environment["REDIS_URL"] == "redis://redis:6379/0", name
            assert "TRIVIUM_SERVICE_TOKEN_SECRET" in environment, name


class TestKong:
    def test_kong_in_front_on_8000(self, compose):
        kong = compose["services"]["kong"]

        assert kong["build"]["dockerfile"] == "deploy/kong/Dockerfile"
        assert "8000:8000" in kong["ports"]
        assert {"mobile-experience", "partner-portal-experience"} <= set(kong["depends_on"])
        assert "TRIVIUM_SERVICE_TOKEN_SECRET" in kong["environment"]

    def test_image_runs_the_python_plugin_server(self):
        dockerfile = (DEPLOY / "kong" / "Dockerfile").read_text()
        settings = dict(re.findall(r"(KONG_[A-Z_]+)=(\"[^\"]*\"|\S+)", dockerfile))

        assert re.search(r"^FROM kong:\$\{KONG_VERSION\}$", dockerfile, re.MULTILINE)
        assert re.search(r"^ARG KONG_VERSION=3\.\d+$", dockerfile, re.MULTILINE)
        assert settings["KONG_DATABASE"] == "off"
        assert set(settings["KONG_PLUGINS"].split(",")) == {"bundled", *KONG_PLUGINS}
        assert settings["KONG_PLUGINSERVER_NAMES"] == "trivium"
        start = settings["KONG_PLUGINSERVER_TRIVIUM_START_CMD"]
        assert "trivium_gateway.plugin_server_main" in start
        assert "--plugins-directory /opt/trivium/plugins" in start
        assert "--dump-all-plugins" in settings["KONG_PLUGINSERVER_TRIVIUM_QUERY_CMD"]
        assert settings["KONG_PLUGINSERVER_TRIVIUM_SOCKET"].startswith("/usr/local/kong/")
        assert "--package trivium-gateway" in dockerfile
        assert "cp gateway/plugins/*.py /opt/trivium/plugins/" in dockerfile

    def test_image_renders_kong_yml_for_the_containers(self):
        dockerfile = (DEPLOY / "kong" / "Dockerfile").read_text()
        upstreams = dict(re.findall(r"--upstream ([a-z-]+)=(\S+)", dockerfile))

        assert upstreams == {
            "partner-portal-experience": "http://partner-portal-experience:8102",
            "partner-portal-page": "http://partner-portal-experience:8102",
            "mobile-experience": "http://mobile-experience:8101",
        }
        assert "--redis-url redis://redis:6379/0" in dockerfile
