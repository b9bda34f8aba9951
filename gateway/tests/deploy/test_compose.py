"""deploy/docker-compose.yml, checked statically (Docker cannot run here)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
KONG_PLUGINS = {"partner-quota", "salesforce-budget-guard", "signed-identity", "auth-failure-limit"}
# From deploy/.env (generated, git-ignored); compose refuses to start without it.
REDIS_PASSWORD = "${REDIS_PASSWORD:?set REDIS_PASSWORD in deploy/.env}"
CHECK_JSONSCHEMA = "check-jsonschema==0.39.0"


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

    def test_services_share_redis(self, compose, services, emulators):
        for name in services.keys() - emulators:
            environment = environment_of(compose["services"][name])
            assert environment["REDIS_URL"] == f"redis://:{REDIS_PASSWORD}@redis:6379/0", name


class TestServiceKeys:
    def test_each_service_mounts_its_own_key_and_the_trusted_keys(
        self, compose, services, emulators
    ):
        for name in services.keys() - emulators:
            service = compose["services"][name]
            environment = environment_of(service)

            assert service["secrets"] == [
                {"source": f"service-key-{name}", "target": "service-key"}
            ], name
            assert environment["TRIVIUM_SERVICE_KEY_FILE"] == "/run/secrets/service-key", name
            assert environment["TRIVIUM_TRUSTED_KEYS"] == "/run/trivium/trusted", name
            assert service["volumes"] == ["./secrets/trusted:/run/trivium/trusted:ro"], name

    def test_kong_signs_with_the_gateways_key(self, compose):
        kong = compose["services"]["kong"]

        assert kong["secrets"] == [{"source": "service-key-gateway", "target": "service-key"}]
        assert kong["environment"]["TRIVIUM_SERVICE_KEY_FILE"] == "/run/secrets/service-key"
        assert "volumes" not in kong

    def test_the_emulators_get_no_key(self, compose, emulators):
        for name in emulators:
            assert "secrets" not in compose["services"][name], name

    def test_keys_come_from_the_generated_folder(self, compose, services, emulators):
        signers = {"gateway", *(services.keys() - emulators)}

        assert compose["secrets"] == {
            f"service-key-{name}": {"file": f"./secrets/keys/{name}.pem"} for name in signers
        }
        assert "/secrets/" in (DEPLOY / ".gitignore").read_text().splitlines()

    def test_the_header_says_how_to_generate_the_keys(self):
        header = (DEPLOY / "docker-compose.yml").read_text().split("\nname:")[0]

        assert "python deploy/service_keys.py" in header
        assert "TRIVIUM_SERVICE_TOKEN_SECRET" not in header


class TestExposure:
    def test_only_kongs_proxy_is_published(self, compose):
        published = {
            name: service["ports"]
            for name, service in compose["services"].items()
            if service.get("ports") or service.get("expose")
        }

        assert published == {"kong": ["8000:8000"]}

    def test_everything_but_kong_is_on_the_internal_network_only(self, compose):
        networks = {name: service.get("networks") for name, service in compose["services"].items()}

        assert compose["networks"]["internal"] == {"internal": True}
        assert networks.pop("kong") == ["edge", "internal"]
        assert all(value == ["internal"] for value in networks.values()), networks

    def test_redis_requires_the_password(self, compose):
        redis = compose["services"]["redis"]

        assert redis["command"] == ["redis-server", "--requirepass", REDIS_PASSWORD]
        assert redis["environment"] == {"REDISCLI_AUTH": REDIS_PASSWORD}
        assert "PONG" in redis["healthcheck"]["test"][-1]

    def test_no_secret_is_written_in_the_file(self):
        text = (DEPLOY / "docker-compose.yml").read_text()
        assignments = re.findall(
            r"^\s+([A-Z_]*(?:SECRET|PASSWORD|TOKEN|AUTH)[A-Z_]*): (.+)$", text, re.M
        )

        assert assignments
        for name, value in assignments:
            assert value.startswith("${"), name
            assert ":?" in value, name


class TestKong:
    def test_kong_in_front_on_8000(self, compose):
        kong = compose["services"]["kong"]

        assert kong["build"]["dockerfile"] == "deploy/kong/Dockerfile"
        assert "8000:8000" in kong["ports"]
        assert {"mobile-experience", "partner-portal-experience"} <= set(kong["depends_on"])

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

    def test_image_renders_kong_yml_for_the_containers(self, compose):
        dockerfile = (DEPLOY / "kong" / "Dockerfile").read_text()
        kong = compose["services"]["kong"]

        assert "cp deploy/kong/kong_config.py /opt/trivium/bin/kong_config.py" in dockerfile
        assert "kong_config.py render" in dockerfile
        assert '--consumers "${TRIVIUM_KONG_CONSUMERS}"' in dockerfile
        # The image holds no consumers unless asked; the compose demo asks for gateway/kong.yml's.
        assert "ARG TRIVIUM_KONG_CONSUMERS=none" in dockerfile
        assert kong["build"]["args"] == {"TRIVIUM_KONG_CONSUMERS": "demo"}

    def test_kong_reaches_redis_with_the_password(self, compose):
        environment = compose["services"]["kong"]["environment"]

        assert environment["TRIVIUM_REDIS_URL"] == f"redis://:{REDIS_PASSWORD}@redis:6379/0"
        assert environment["TRIVIUM_REDIS_PASSWORD"] == REDIS_PASSWORD


def uv() -> str | None:
    local = DEPLOY.parent / ".tools" / "uv" / "bin" / "uv"
    return str(local) if local.exists() else shutil.which("uv")


class TestSchema:
    def test_compose_file_matches_the_compose_specification(self):
        """check-jsonschema (from PyPI, run by uv) against its copy of the Compose schema."""
        runner = uv()
        if runner is None:
            pytest.skip("uv is not installed")
        tool = [runner, "tool", "run", "--from", CHECK_JSONSCHEMA, "check-jsonschema"]
        if subprocess.run([*tool, "--version"], capture_output=True, timeout=300).returncode:
            pytest.skip(f"{CHECK_JSONSCHEMA} cannot be installed here")

        checked = subprocess.run(
            [*tool, "--builtin-schema", "vendor.compose-spec", str(DEPLOY / "docker-compose.yml")],
            capture_output=True,
            text=True,
            timeout=300,
        )

        assert checked.returncode == 0, checked.stdout + checked.stderr
