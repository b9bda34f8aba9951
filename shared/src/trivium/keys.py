"""Signing keys of the service tokens: each service's own Ed25519 key, and the public keys of the
issuers it trusts (a directory of `<issuer>.pem` files, or a JWKS document).

A trusted directory may hold several keys of one issuer, in one file or in `<issuer>.<label>.pem`
files beside it: during a rotation it holds the old and the new key, so that tokens signed with
either are accepted until every replica signs with the new one.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    PublicKeyTypes,
)
from cryptography.x509.oid import NameOID
from pydantic import BaseModel, SecretBytes, SecretStr

from trivium.settings import ServiceSettings

KEY_BYTES = 32
# Values that were ever committed to this repository or printed in its documentation: they are
# public, so production refuses them as secrets.
KNOWN_SECRET_VALUES = frozenset(
    {
        "trivium-local-development-secret-change-me",
        "integration-service-token-secret-0123456789",
        "trivium-emulator-admin",
        "integration-admin-token",
        "trivium-demo-client",
        "trivium-demo-secret",
        "trivium-demo-password",
        "TRIVIUMDEMOTOKEN",
        "Trivium-Demo-Pass1",
        "trivium-mobile-demo-jwt-secret-change-me-0001",
        "change-me",
        "changeme",
    }
)
# SHA-256 of the SubjectPublicKeyInfo of key pairs whose private half is committed (the Salesforce
# emulator's demo connected-app key).
KNOWN_KEY_FINGERPRINTS = frozenset(
    {"13671d3ff596f48a0d4da20a1163af4ecfc2a452ce523db1d6f33e612a38265f"}
)


class KeyMaterialError(Exception):
    """Key material that cannot be used (unreadable, wrong type, malformed)."""


class InsecureConfiguration(RuntimeError):
    """A production service configured without its own keys or with a published secret."""


@dataclass(frozen=True)
class TrustedKey:
    """A public key an issuer signs with; `kid` names it in the tokens' header."""

    issuer: str
    kid: str
    key: Ed25519PublicKey


def fingerprint(public_key: PublicKeyTypes) -> str:
    """SHA-256 (hex) of a public key's SubjectPublicKeyInfo."""
    encoded = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(encoded).hexdigest()


def key_id(issuer: str, public_key: Ed25519PublicKey) -> str:
    """`<issuer>:<first 16 hex digits of the key's fingerprint>`."""
    return f"{issuer}:{fingerprint(public_key)[:16]}"


def generate_private_key() -> Ed25519PrivateKey:
    """A new Ed25519 key from the operating system's randomness."""
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def self_signed_certificate_pem(
    key: CertificateIssuerPrivateKeyTypes, *, common_name: str, valid_days: int
) -> bytes:
    """A self-signed X.509 certificate of the key (PEM), valid from a day ago for `valid_days`."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=valid_days))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def write_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Write a private key readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(private_key_pem(key))


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key of a PKCS#8 PEM file."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise KeyMaterialError(
            f"{path}: not a readable, unencrypted PEM private key ({error})"
        ) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyMaterialError(f"{path}: the service key must be an Ed25519 key")
    return key


def load_trusted_keys(source: Path) -> list[TrustedKey]:
    """The public keys of a trusted directory (`<issuer>[.<label>].pem`) or JWKS file."""
    if source.is_dir():
        return [
            key
            for path in sorted(source.glob("*.pem"))
            for key in _pem_keys(path, issuer=path.name.split(".", 1)[0])
        ]
    try:
        document = json.loads(source.read_text())
    except (OSError, ValueError) as error:
        raise KeyMaterialError(
            f"{source}: neither a directory of PEM files nor a JWKS document"
        ) from error
    return [_jwk_key(jwk, source) for jwk in document.get("keys", [])]


def _pem_keys(path: Path, *, issuer: str) -> Iterable[TrustedKey]:
    text = path.read_text()
    marker = "-----END PUBLIC KEY-----"
    blocks = [block + marker for block in text.split(marker) if "BEGIN PUBLIC KEY" in block]
    if not blocks:
        raise KeyMaterialError(f"{path}: no PEM public key in it")
    for block in blocks:
        try:
            key = serialization.load_pem_public_key(block.strip().encode())
        except (ValueError, UnsupportedAlgorithm) as error:
            raise KeyMaterialError(f"{path}: unreadable public key ({error})") from error
        if not isinstance(key, Ed25519PublicKey):
            raise KeyMaterialError(f"{path}: trusted keys must be Ed25519 keys")
        yield TrustedKey(issuer, key_id(issuer, key), key)


def _jwk_key(jwk: Mapping[str, object], source: Path) -> TrustedKey:
    kid, x = jwk.get("kid"), jwk.get("x")
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(x, str):
        raise KeyMaterialError(f"{source}: every key must be an Ed25519 OKP key")
    if not isinstance(kid, str) or ":" not in kid:
        raise KeyMaterialError(f"{source}: every key needs a kid of the form <issuer>:<id>")
    raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
    key = Ed25519PublicKey.from_public_bytes(raw)
    issuer = str(jwk.get("iss") or kid.split(":", 1)[0])
    return TrustedKey(issuer, key_id(issuer, key), key)


def jwks_document(keys: Iterable[TrustedKey]) -> dict[str, list[dict[str, str]]]:
    """A JWKS document of trusted keys (what a Kubernetes Secret can carry as one file)."""
    entries = []
    for trusted in keys:
        raw = trusted.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        entries.append({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": trusted.kid, "use": "sig"})
    return {"keys": entries}


def random_secret() -> str:
    """A new secret of 32 random bytes, URL-safe text."""
    return secrets.token_urlsafe(KEY_BYTES)


def check_production_settings(settings: ServiceSettings) -> None:
    """Refuse what production must not run with: no own key or trusted keys, a key or secret
    that is published in this repository, a weak secret. Raises InsecureConfiguration."""
    problems: list[str] = []
    if settings.service_key_file is None:
        problems.append("TRIVIUM_SERVICE_KEY_FILE is not set (the service's own Ed25519 key)")
    else:
        problems += _own_key_problems(settings.service_key_file)
    if settings.trusted_keys is None:
        problems.append("TRIVIUM_TRUSTED_KEYS is not set (the callers' public keys)")
    elif not settings.trusted_keys.exists():
        problems.append(f"TRIVIUM_TRUSTED_KEYS: {settings.trusted_keys} does not exist")
    for name, value in _secrets(settings):
        problems += _secret_problems(name, value)
    problems += _redis_problems(settings.redis_url)
    if problems:
        raise InsecureConfiguration(
            f"{settings.service_name} refuses to start in production: " + "; ".join(problems)
        )


def _own_key_problems(path: Path) -> list[str]:
    if _is_published_key(path):
        return ["TRIVIUM_SERVICE_KEY_FILE holds a key published in the repository"]
    try:
        key = load_private_key(path)
    except KeyMaterialError as error:
        return [f"TRIVIUM_SERVICE_KEY_FILE: {error}"]
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    if len(set(raw)) < KEY_BYTES // 4:
        return ["TRIVIUM_SERVICE_KEY_FILE holds a key that is not random"]
    return []


def _is_published_key(path: Path) -> bool:
    """Whether the file holds a private key of any type whose public half is a known one."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return fingerprint(key.public_key()) in KNOWN_KEY_FINGERPRINTS


def _secrets(settings: BaseModel, *, within: str = "") -> Iterator[tuple[str, str]]:
    """Every secret of the settings, nested groups (e.g. the ERP's `netsuite`) included."""
    for name, value in settings:
        if isinstance(value, SecretStr | SecretBytes):
            secret = value.get_secret_value()
            yield within + name, secret.decode() if isinstance(secret, bytes) else secret
        elif isinstance(value, BaseModel):
            yield from _secrets(value, within=f"{within}{name}.")


def _secret_problems(name: str, value: str) -> list[str]:
    if not value:
        return []
    if value in KNOWN_SECRET_VALUES or value.casefold() in KNOWN_SECRET_VALUES:
        return [f"{name} is a value published in the repository"]
    if len(value.encode()) < KEY_BYTES:
        return [f"{name} is shorter than {KEY_BYTES} bytes (generate one: 32 random bytes)"]
    if len(set(value)) < KEY_BYTES // 4:
        return [f"{name} is not random"]
    return []


def _redis_problems(url: str) -> list[str]:
    """Production signs in to Redis as the service's own user, with a password of its own."""
    password = urlsplit(url).password
    if not password:
        return ["REDIS_URL names no password (the service's own Redis user, deploy/redis_users.py)"]
    return _secret_problems("REDIS_URL's password", unquote(password))
