"""The production overlay ships no credential: every one comes from a Secret made outside it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from trivium.keys import KNOWN_SECRET_VALUES
from trivium_gateway.settings import GATEWAY_DIR

ROOT = Path(__file__).resolve().parents[3]
KUBERNETES = ROOT / "deploy" / "kubernetes"
BASE = KUBERNETES / "base"
PRODUCTION = KUBERNETES / "overlays" / "production"

SECRET_NAME = re.compile(
    r"SECRET|PASSWORD|TOKEN|PRIVATE_KEY|CREDENTIAL|USERNAME|CLIENT_ID|REDIS_URL|AUTH$"
)
NOT_A_SECRET = re.compile(r"_(SECONDS|TTL|PATH)$")
REFERENCE = re.compile(r"\$\(([A-Z0-9_]+)\)")
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
# The Deployments of Trivium's signers in production (Kong signs as `gateway`).
SIGNERS = {
    "kong": "gateway",
    "mobile-experience": "mobile-experience",
    "partner-portal-experience": "partner-portal-experience",
    "quote-to-order": "quote-to-order",
    # quote-to-order's queue workers sign as quote-to-order.
    "quote-to-order-worker": "quote-to-order",
    "create-customer": "create-customer",
    "customer-sync": "customer-sync",
    "salesforce-system": "salesforce-system",
    "erp-system": "erp-system",
}


def demo_values() -> set[str]:
    """The values published in this repository: trivium.keys.KNOWN_SECRET_VALUES (what production
    services refuse) and the keys and secrets of gateway/kong.yml's demo consumers."""
    kong = yaml.safe_load((GATEWAY_DIR / "kong.yml").read_text())
    values = set(KNOWN_SECRET_VALUES)
    for consumer in kong.get("consumers") or []:
        values |= {item["key"] for item in consumer.get("keyauth_credentials") or []}
        values |= {item["secret"] for item in consumer.get("jwt_secrets") or [] if "secret" in item}
    return values


def deployment_files() -> list[Path]:
    """Every manifest, generated kong.yml and Compose file of deploy/ (the local runner aside)."""
    kubernetes = [path for path in KUBERNETES.rglob("*") if path.suffix in {".yaml", ".yml"}]
    return [
        *kubernetes,
        ROOT / "deploy" / "docker-compose.yml",
        ROOT / "deploy" / "kong" / "Dockerfile",
    ]


def production_files() -> list[Path]:
    """Every file the production overlay is built from, less the base files it replaces."""
    files: list[Path] = []
    generated: dict[str, list[Path]] = {}

    def collect(folder: Path) -> None:
        kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
        files.append(folder / "kustomization.yaml")
        for entry in kustomization.get("resources", []):
            if (folder / entry).is_dir():
                collect(folder / entry)
            else:
                files.append(folder / entry)
        files.extend(folder / p["path"] for p in kustomization.get("patches", []) if "path" in p)
        for generator in kustomization.get("configMapGenerator", []):
            if generator.get("behavior") == "replace":
                for replaced in generated.pop(generator["name"]):
                    files.remove(replaced)
            generated[generator["name"]] = [
                folder / item.split("=")[-1] for item in generator["files"]
            ]
            files.extend(generated[generator["name"]])

    collect(PRODUCTION)
    return files


class TestNoDemoCredentials:
    def test_the_list_of_demo_values_is_not_empty(self):
        values = demo_values()

        assert "demo-gold-7f3a91c2e4b85d06" in values
        assert "trivium-mobile-demo-jwt-secret-change-me-0001" in values
        assert "trivium-local-development-secret-change-me" in values
        assert "Trivium-Demo-Pass1" in values
        assert values >= KNOWN_SECRET_VALUES

    def test_no_production_file_holds_one(self):
        values = {value.casefold() for value in demo_values()}
        for path in production_files():
            text = path.read_text().casefold()

            assert not [value for value in values if value in text], path

    def test_no_deployment_file_holds_a_private_key(self):
        files = deployment_files()

        assert ROOT / "deploy" / "kubernetes" / "base" / "kong.yaml" in files
        for path in files:
            assert not PRIVATE_KEY.search(path.read_text()), path

    def test_the_kong_config_map_is_replaced_by_routes_without_consumers(self):
        kustomization = yaml.safe_load((PRODUCTION / "kustomization.yaml").read_text())
        (generator,) = kustomization["configMapGenerator"]
        routes = yaml.safe_load((PRODUCTION / "kong" / "routes.yml").read_text())

        assert generator == {
            "name": "kong-declarative",
            "behavior": "replace",
            "files": ["routes.yml=kong/routes.yml"],
        }
        assert "consumers" not in routes
        assert BASE / "kong" / "kong.yml" not in production_files()

    def test_the_built_overlay_holds_none(self, production_build):
        text = yaml.safe_dump_all(production_build)

        assert not [value for value in demo_values() if value in text]
        assert not PRIVATE_KEY.search(text)
        assert "consumers:" not in text
        assert not [item for item in production_build if item["kind"] == "Secret"]


def containers(item: dict[str, Any]) -> list[dict[str, Any]]:
    spec = item["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def secret_mounts(item: dict[str, Any], container: dict[str, Any]) -> list[str]:
    volumes = item["spec"]["template"]["spec"].get("volumes", [])
    secret_volumes = {volume["name"] for volume in volumes if "secret" in volume}
    return [
        mount["mountPath"]
        for mount in container.get("volumeMounts", [])
        if mount["name"] in secret_volumes
    ]


class TestSecretsComeFromSecrets:
    def test_every_secret_looking_variable(self, production_build):
        for item in production_build:
            if item["kind"] != "Deployment":
                continue
            for container in containers(item):
                env = container.get("env", [])
                from_secrets = {
                    variable["name"]
                    for variable in env
                    if "secretKeyRef" in variable.get("valueFrom", {})
                }
                where = f"{item['metadata']['name']}.{container['name']}"
                for variable in env:
                    name, value = variable["name"], variable.get("value")
                    if value is None:
                        assert name in from_secrets or not SECRET_NAME.search(name), where
                        continue
                    derived = set(REFERENCE.findall(value))
                    if name.endswith("_PATH") and SECRET_NAME.search(name):
                        mounts = secret_mounts(item, container)
                        assert any(value.startswith(f"{m}/") for m in mounts), f"{where} {name}"
                    elif SECRET_NAME.search(name) and not NOT_A_SECRET.search(name):
                        assert derived, f"{where} {name}"
                        assert derived <= from_secrets, f"{where} {name}"
                    if "@" in value:
                        userinfo = value.split("//", 1)[-1].split("@", 1)[0]
                        # A user name may stand in the URL, a password only by reference.
                        user, _, password = REFERENCE.sub("", userinfo).partition(":")
                        assert re.fullmatch(r"[a-z0-9-]*", user), f"{where} {name}"
                        assert password == "", f"{where} {name}"
                        assert derived <= from_secrets, f"{where} {name}"

    def test_config_maps_hold_no_secret_looking_key(self, production_build):
        for item in production_build:
            if item["kind"] == "ConfigMap":
                for key in item.get("data", {}):
                    assert not SECRET_NAME.search(key.upper()), f"{item['metadata']['name']}.{key}"

    def test_kong_reads_consumers_from_a_secret(self, production_build):
        (kong,) = [
            item
            for item in production_build
            if item["kind"] == "Deployment" and item["metadata"]["name"] == "kong"
        ]
        spec = kong["spec"]["template"]["spec"]
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        (init,) = spec["initContainers"]
        (container,) = spec["containers"]
        env = {variable["name"]: variable for variable in container["env"]}

        assert volumes["consumers"]["secret"] == {"secretName": "kong-consumers"}
        assert volumes["declarative"]["emptyDir"]["medium"] == "Memory"
        assert "configMap" not in volumes["declarative"]
        assert volumes["routes"]["configMap"]["name"].startswith("kong-declarative")
        assert init["command"][1:3] == ["/opt/trivium/bin/kong_config.py", "assemble"]
        assert init["image"] == container["image"]
        assert env["KONG_DECLARATIVE_CONFIG"]["value"] == "/kong/declarative/kong.yml"
        assert {"name": "declarative", "mountPath": "/kong/declarative", "readOnly": True} in (
            container["volumeMounts"]
        )


class TestServiceKeys:
    def test_every_signer_reads_its_own_key_from_a_mounted_secret(self, production_build):
        deployments = {
            item["metadata"]["name"]: item
            for item in production_build
            if item["kind"] == "Deployment"
        }

        assert set(SIGNERS) <= set(deployments)
        for name, deployment in deployments.items():
            spec = deployment["spec"]["template"]["spec"]
            volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
            for container in spec["containers"]:
                env = {variable["name"]: variable for variable in container.get("env", [])}
                if name not in SIGNERS:
                    assert "TRIVIUM_SERVICE_KEY_FILE" not in env, name
                    continue
                path = env["TRIVIUM_SERVICE_KEY_FILE"]["value"]
                (mount,) = [
                    m
                    for m in container["volumeMounts"]
                    if path.startswith(m["mountPath"].rstrip("/") + "/")
                ]
                secret = volumes[mount["name"]].get("secret")

                assert secret is not None, f"{name}: {path} is not on a Secret volume"
                assert secret["secretName"] == f"service-key-{SIGNERS[name]}", name
                assert mount.get("readOnly") is True, name

    def test_every_service_trusts_the_public_keys_and_runs_in_production(self, production_build):
        config_maps = {
            item["metadata"]["name"]: item
            for item in production_build
            if item["kind"] == "ConfigMap"
        }
        shared = next(data for key, data in config_maps.items() if key.startswith("trivium-shared"))

        assert shared["data"]["TRIVIUM_ENV"] == "production"
        for item in production_build:
            name = item["metadata"]["name"]
            if item["kind"] != "Deployment" or name not in SIGNERS or name == "kong":
                continue
            spec = item["spec"]["template"]["spec"]
            (container,) = spec["containers"]
            env = {variable["name"]: variable.get("value") for variable in container["env"]}
            volumes = {volume["name"]: volume for volume in spec["volumes"]}
            trusted = [
                mount
                for mount in container["volumeMounts"]
                if mount["mountPath"] == env["TRIVIUM_TRUSTED_KEYS"]
            ]

            assert [ref["configMapRef"]["name"] for ref in container["envFrom"]] == [
                shared["metadata"]["name"]
            ], name
            assert len(trusted) == 1, name
            assert volumes[trusted[0]["name"]]["secret"]["secretName"] == "trivium-trusted-keys"


@pytest.mark.parametrize("name", ["SF_SYSTEM_CLIENT_SECRET", "REDIS_PASSWORD"])
def test_the_patterns_recognise_secrets(name):
    assert SECRET_NAME.search(name)
