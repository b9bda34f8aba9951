"""Certificates and client assertions for the OAuth 2.0 client-credentials tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from trivium.keys import self_signed_certificate_pem

CLIENT_ID = "a" * 64
CERTIFICATE_ID = "certificate-id-0001"


def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_certificate(key: CertificateIssuerPrivateKeyTypes, path: Path) -> Path:
    """A self-signed certificate of the key, as uploaded to the integration's mapping."""
    path.write_bytes(
        self_signed_certificate_pem(key, common_name="trivium-test-integration", valid_days=30)
    )
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
