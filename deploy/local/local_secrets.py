"""The secrets of this installation, generated on the first `make run` and kept under `.run/`.

Nothing here is a fixed value: every key and credential is made from the operating system's
randomness the first time it is needed, and kept, so that later runs (and the data the emulators
keep) go on working.

    .run/secrets/keys/<service>.pem     each service's (and the operator's) Ed25519 signing key
    .run/secrets/trusted/<service>.pem  their public keys: TRIVIUM_TRUSTED_KEYS of every service
    .run/secrets/salesforce-jwt.key     the connected app's RSA key (JWT bearer flow) and its
    .run/secrets/salesforce-jwt.crt     self-signed certificate, which the org emulator trusts
    .run/secrets/redis-users.env        the passwords of the Redis `make run` starts: one user per
                                        service (`trivium.redis_users`) and `default`, the admin
    .run/secrets.env                    the emulators' credentials and admin tokens (dotenv)
    .run/secrets/gateway-redis.url      while `make run` runs: the URL the gateway signs in to
                                        Redis with, for `trivium budget` and `trivium quota`

Delete `.run/secrets*` to start over with new ones (then restart `make run`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from trivium.keys import (
    generate_private_key,
    load_private_key,
    public_key_pem,
    random_secret,
    self_signed_certificate_pem,
)
from trivium.keys import write_private_key as write_signing_key
from trivium.redis_users import ADMIN_USER, GRANTS

ROOT = Path(__file__).resolve().parents[2]
RUN_DIR = ROOT / ".run"
OPERATOR = "operator"
# Generated credentials: each emulator's setting and the System API's matching one share a value.
SHARED_CREDENTIALS = (
    ("SF_EMULATOR_CLIENT_SECRET", "SF_SYSTEM_CLIENT_SECRET"),
    ("S4_EMULATOR_PASSWORD", "ERP_SYSTEM_PASSWORD"),
    ("S4_EMULATOR_OAUTH_CLIENT_SECRET", "ERP_SYSTEM_OAUTH_CLIENT_SECRET"),
)
OWN_CREDENTIALS = (
    "SF_EMULATOR_ADMIN_TOKEN",
    "S4_EMULATOR_ADMIN_TOKEN",
    "SF_EMULATOR_PASSWORD",
    "SF_EMULATOR_SECURITY_TOKEN",
    "NS_EMULATOR_ADMIN_TOKEN",
)
# The NetSuite emulator's integration record and access token (token-based authentication):
# keys and ids are 64 hex digits, as NetSuite issues them.
NETSUITE_KEYS = ("NS_EMULATOR_CONSUMER_KEY", "NS_EMULATOR_TOKEN_ID")
NETSUITE_SECRETS = ("NS_EMULATOR_CONSUMER_SECRET", "NS_EMULATOR_TOKEN_SECRET")
# The ERP System API signs in to the NetSuite emulator with the same four values.
NETSUITE_PREFIXES = ("NS_EMULATOR_", "NETSUITE_")


@dataclass(frozen=True)
class LocalSecrets:
    """Where this installation's secrets are."""

    directory: Path
    env_file: Path

    @property
    def trusted_dir(self) -> Path:
        return self.directory / "trusted"

    def key_file(self, service: str) -> Path:
        return self.directory / "keys" / f"{service}.pem"

    def service_env(self, service: str) -> dict[str, str]:
        """A service's key variables: its own key and the trusted public keys."""
        return {
            "TRIVIUM_SERVICE_KEY_FILE": str(self.key_file(service)),
            "TRIVIUM_TRUSTED_KEYS": str(self.trusted_dir),
        }

    @property
    def gateway_redis_url_file(self) -> Path:
        return self.directory / "gateway-redis.url"

    @property
    def redis_users_file(self) -> Path:
        return self.directory / "redis-users.env"

    def redis_passwords(self) -> dict[str, str]:
        """Each service's Redis password (none before the first run)."""
        passwords = read_dotenv(self.redis_users_file)
        passwords.pop(ADMIN_USER, None)
        return passwords

    def redis_admin_password(self) -> str | None:
        """The Redis administrator's password (None before the first run)."""
        return read_dotenv(self.redis_users_file).get(ADMIN_USER)

    def credentials(self) -> dict[str, str]:
        """The generated credentials (`.run/secrets.env`), empty before the first run."""
        return read_dotenv(self.env_file)


def local_secrets(run_dir: Path = RUN_DIR) -> LocalSecrets:
    """This installation's secrets (whether or not they exist yet)."""
    return LocalSecrets(run_dir / "secrets", run_dir / "secrets.env")


def ensure_local_secrets(services: Iterable[str], run_dir: Path = RUN_DIR) -> LocalSecrets:
    """Generate whatever of this installation's secrets is missing; keep what exists."""
    found = local_secrets(run_dir)
    found.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for service in (*services, OPERATOR):
        _ensure_signing_key(found, service)
    credentials = found.credentials()
    for emulator_name, system_name in SHARED_CREDENTIALS:
        value = credentials.get(emulator_name) or random_secret()
        credentials[emulator_name] = credentials[system_name] = value
    for name in (*OWN_CREDENTIALS, *NETSUITE_SECRETS):
        credentials[name] = credentials.get(name) or random_secret()
    for name in NETSUITE_KEYS:
        credentials[name] = credentials.get(name) or secrets.token_hex(32)
    for name in (*NETSUITE_KEYS, *NETSUITE_SECRETS):
        credentials[name.replace(*NETSUITE_PREFIXES)] = credentials[name]
    credentials.update(_ensure_connected_app(found.directory))
    write_dotenv(found.env_file, credentials)
    passwords = read_dotenv(found.redis_users_file)
    for user in (ADMIN_USER, *GRANTS):
        passwords[user] = passwords.get(user) or random_secret()
    write_dotenv(found.redis_users_file, passwords)
    return found


def _ensure_signing_key(found: LocalSecrets, service: str) -> None:
    path = found.key_file(service)
    if path.exists():
        key = load_private_key(path)
    else:
        key = generate_private_key()
        write_signing_key(path, key)
    found.trusted_dir.mkdir(parents=True, exist_ok=True)
    public = found.trusted_dir / f"{service}.pem"
    pem = public_key_pem(key.public_key())
    if not public.exists() or public.read_bytes() != pem:
        public.write_bytes(pem)


def _ensure_connected_app(directory: Path) -> dict[str, str]:
    """An RSA key and a self-signed certificate for the JWT bearer flow."""
    key_path, certificate_path = directory / "salesforce-jwt.key", directory / "salesforce-jwt.crt"
    if not (key_path.exists() and certificate_path.exists()):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = self_signed_certificate_pem(
            key, common_name="trivium-local-connected-app", valid_days=3650
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_private(key_path, pem)
        certificate_path.write_bytes(certificate)
    return {
        "SF_EMULATOR_JWT_CERTIFICATE_PATH": str(certificate_path),
        "SF_SYSTEM_PRIVATE_KEY_PATH": str(key_path),
    }


def _write_private(path: Path, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def read_dotenv(path: Path) -> dict[str, str]:
    """NAME=value lines (comments and blank lines skipped); {} when the file is missing."""
    if not path.exists():
        return {}
    values = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name and not name.startswith("#"):
            values[name.strip()] = value.strip()
    return values


def write_dotenv(path: Path, values: Mapping[str, str]) -> None:
    """Write NAME=value lines, readable by the owner only."""
    lines = [
        "# Generated by `make run` for this installation (deploy/local/local_secrets.py).",
        "# Delete it and .run/secrets/ to get new ones.",
        *(f"{name}={value}" for name, value in sorted(values.items())),
    ]
    _write_private(path, ("\n".join(lines) + "\n").encode())
