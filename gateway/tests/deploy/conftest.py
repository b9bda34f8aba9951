"""What the deployment tests share: the repository's layout and DESIGN.md's table of services."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from trivium_testing.keys import session_keys
from trivium_testing.modules import load_module

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"

# DESIGN.md: service → (folder, port). Kong (the gateway) listens on 8000.
SERVICES = {
    "mobile-experience": ("experience-apis/mobile", 8101),
    "partner-portal-experience": ("experience-apis/partner-portal", 8102),
    "quote-to-order": ("process-apis/quote-to-order", 8201),
    "create-customer": ("process-apis/create-customer", 8202),
    "customer-sync": ("process-apis/customer-sync", 8203),
    "salesforce-system": ("system-apis/salesforce", 8301),
    "erp-system": ("system-apis/erp", 8302),
    "salesforce-emulator": ("emulators/salesforce", 8401),
    "s4hana-emulator": ("emulators/s4hana", 8402),
}
EMULATORS = {"salesforce-emulator", "s4hana-emulator"}


@pytest.fixture(scope="session")
def services() -> dict[str, tuple[str, int]]:
    """DESIGN.md's services: name → (folder, port)."""
    return SERVICES


@pytest.fixture(scope="session")
def emulators() -> set[str]:
    return EMULATORS


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository."""
    return ROOT


KUBERNETES = DEPLOY / "kubernetes"
BASE = KUBERNETES / "base"
PRODUCTION = KUBERNETES / "overlays" / "production"


def listed_objects(folder: Path) -> list[dict[str, Any]]:
    """The objects a kustomization lists (its bases' included), less those its inline patches
    delete. Strategic-merge patches are not applied: `kubectl kustomize` (built_objects) is."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    found: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        path = folder / entry
        if path.is_dir():
            found += listed_objects(path)
        else:
            found += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for patch in kustomization.get("patches", []):
        document = yaml.safe_load(patch["patch"]) if "patch" in patch else None
        if document and document.get("$patch") == "delete":
            gone = (document["kind"], document["metadata"]["name"])
            found = [item for item in found if (item["kind"], item["metadata"]["name"]) != gone]
    return found


def kustomize_build(folder: Path) -> list[dict[str, Any]] | None:
    """`kubectl kustomize` of a folder, or None where kubectl is not installed."""
    if shutil.which("kubectl") is None:
        return None
    built = subprocess.run(
        ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, timeout=60
    )
    assert built.returncode == 0, built.stderr
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


def pypi_tool(requirement: str, command: str) -> list[str]:
    """The command line that runs `command` of a PyPI package through `uv tool run`; skips the
    test where uv is missing or cannot install the package (no registry)."""
    local = ROOT / ".tools" / "uv" / "bin" / "uv"
    runner = str(local) if local.exists() else shutil.which("uv")
    if runner is None:
        pytest.skip("uv is not installed")
    tool = [runner, "tool", "run", "--from", requirement, command]
    if subprocess.run([*tool, "--version"], capture_output=True, timeout=300).returncode:
        pytest.skip(f"{requirement} cannot be installed here")
    return tool


@pytest.fixture(scope="session")
def uv_tool() -> Callable[[str, str], list[str]]:
    """`uv_tool(requirement, command)`: see pypi_tool."""
    return pypi_tool


def load_deploy_script(relative: str) -> ModuleType:
    """A script under deploy/ (they are run, not installed), loaded as a module."""
    return load_module(DEPLOY / relative)


@pytest.fixture(scope="session")
def kong_config() -> ModuleType:
    """deploy/kong/kong_config.py, the script the Kong image and its init container run."""
    return load_deploy_script("kong/kong_config.py")


@pytest.fixture(scope="session")
def service_keys() -> ModuleType:
    """deploy/service_keys.py: each signer's key and the trusted public keys."""
    return load_deploy_script("service_keys.py")


@pytest.fixture(scope="session")
def redis_users() -> ModuleType:
    """deploy/redis_users.py: the Redis users of a deployment."""
    return load_deploy_script("redis_users.py")


@pytest.fixture(scope="session")
def base_objects() -> list[dict[str, Any]]:
    """The base's objects: built by kubectl where installed, else as its files list them."""
    return kustomize_build(BASE) or listed_objects(BASE)


@pytest.fixture(scope="session")
def production_objects() -> list[dict[str, Any]]:
    """The production overlay's objects: built by kubectl where installed, else as listed."""
    return kustomize_build(PRODUCTION) or listed_objects(PRODUCTION)


@pytest.fixture(scope="session")
def production_build() -> list[dict[str, Any]]:
    """The production overlay as kubectl builds it (patches applied); skips without kubectl."""
    built = kustomize_build(PRODUCTION)
    if built is None:
        pytest.skip("kubectl is not installed")
    return built


@pytest.fixture(scope="session")
def kong_environment() -> dict[str, str]:
    """What Kong's environment resolves kong.yml's {vault://env/...} references from: the
    gateway's key file (a key generated for the test session), the Redis credentials and the
    traces endpoint."""
    return {
        "TRIVIUM_SERVICE_KEY_FILE": str(session_keys().key_file("gateway")),
        "TRIVIUM_REDIS_URL": "redis://:password@redis:6379/0",
        "TRIVIUM_REDIS_PASSWORD": "password",
        "TRIVIUM_OTLP_TRACES_ENDPOINT": "http://otel-collector:4318/v1/traces",
    }
