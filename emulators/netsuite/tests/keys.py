"""Certificates and client assertions for the OAuth 2.0 client-credentials tests."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID

CLIENT_ID = "a" * 64
CERTIFICATE_ID = "certificate-id-0001"


def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_certificate(key: CertificateIssuerPrivateKeyTypes, path: Path) -> Path:
    """A self-signed certificate of the key, as uploaded to the integration's mapping."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "trivium-test-integration")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def assertion(
    key: Any, *, audience: str, now: float, algorithm: str = "ES256", **overrides: Any
) -> str:
    """A client assertion as NetSuite's documentation describes it."""
    claims: dict[str, Any] = {
        "iss": CLIENT_ID,
        "scope": ["rest_webservices"],
        "aud": audience,
        "iat": int(now),
        "exp": int(now) + 3600,
    }
    kid = overrides.pop("kid", CERTIFICATE_ID)
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid, "typ": "JWT"})
