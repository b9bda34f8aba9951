"""OAuth 2.0 client credentials (machine to machine) as NetSuite runs them.

The client posts a JWT it signed with the private key of the certificate uploaded to the
integration's mapping (`kid` = certificate id, `iss` = client id, `aud` = the token endpoint,
`scope` naming `rest_webservices`, at most one hour between `iat` and `exp`). The answer is a
bearer token that lives for at most an hour.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

ALGORITHMS = ("PS256", "ES256", "RS256")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCOPE = "rest_webservices"
MAX_ASSERTION_LIFETIME = 3_600
LEEWAY_SECONDS = 60


class OAuth2Refused(Exception):
    """An RFC 6749 error of the token endpoint: `error` code and a description."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


VerifyingKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


def load_public_key(path: str) -> VerifyingKey:
    """The RSA or EC public key of a PEM certificate, or a PEM public key."""
    data = Path(path).read_bytes()
    key: PublicKeyTypes = (
        x509.load_pem_x509_certificate(data).public_key()
        if b"BEGIN CERTIFICATE" in data
        else serialization.load_pem_public_key(data)
    )
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise ValueError(f"{path}: the certificate's key must be RSA (PS256, RS256) or EC (ES256).")
    return key


@dataclass(frozen=True)
class ClientMapping:
    """The integration's client id and the certificate its assertions are verified with."""

    client_id: str
    certificate_id: str
    public_key: VerifyingKey | None


def _scopes(value: object) -> set[str]:
    if isinstance(value, list):
        return {str(scope) for scope in value}
    if isinstance(value, str):
        return {scope for scope in value.replace(",", " ").split() if scope}
    return set()


def verify_assertion(
    assertion: str, *, mapping: ClientMapping, audience: str, now: float
) -> dict[str, Any]:
    """The claims of a valid client assertion; OAuth2Refused otherwise."""
    if mapping.public_key is None:
        raise OAuth2Refused(
            "invalid_client", "No certificate is mapped to this integration.", status=401
        )
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError:
        raise OAuth2Refused("invalid_request", "The client assertion is not a JWT.") from None
    if header.get("alg") not in ALGORITHMS:
        raise OAuth2Refused("invalid_request", f"The JWT must be signed with one of {ALGORITHMS}.")
    if header.get("kid") != mapping.certificate_id:
        raise OAuth2Refused("invalid_client", "Unknown certificate id (kid).", status=401)
    try:
        claims: dict[str, Any] = jwt.decode(
            assertion,
            mapping.public_key,
            algorithms=[header["alg"]],
            audience=audience,
            options={
                "require": ["iss", "aud", "iat", "exp", "scope"],
                "verify_exp": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as error:
        raise OAuth2Refused(
            "invalid_grant", f"The client assertion is not valid: {error}."
        ) from None
    if claims["iss"] != mapping.client_id:
        raise OAuth2Refused("invalid_client", "Unknown client id (iss).", status=401)
    issued, expires = claims["iat"], claims["exp"]
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise OAuth2Refused("invalid_grant", "iat and exp must be numbers.")
    if expires <= now or issued > now + LEEWAY_SECONDS:
        raise OAuth2Refused(
            "invalid_grant", "The client assertion has expired or is not yet valid."
        )
    if expires - issued > MAX_ASSERTION_LIFETIME:
        raise OAuth2Refused("invalid_grant", "The client assertion may live one hour at most.")
    if SCOPE not in _scopes(claims["scope"]):
        raise OAuth2Refused("invalid_scope", f"The scope must include {SCOPE}.")
    return claims


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


class BearerTokens:
    """Issued access tokens and when each expires."""

    def __init__(self, *, ttl_seconds: int, clock: Callable[[], float] = time.time) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> IssuedToken:
        token = secrets.token_urlsafe(48)
        with self._lock:
            now = self._clock()
            self._expiry = {t: at for t, at in self._expiry.items() if at > now}
            self._expiry[token] = now + self._ttl
        return IssuedToken(token, self._ttl)

    def is_valid(self, token: str) -> bool:
        with self._lock:
            expires_at = self._expiry.get(token)
        return expires_at is not None and expires_at > self._clock()

    def revoke_all(self) -> None:
        with self._lock:
            self._expiry.clear()
