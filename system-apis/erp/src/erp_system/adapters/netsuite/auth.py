"""Logging on to NetSuite: token-based authentication (OAuth 1.0a, HMAC-SHA256, signed per
attempt) or OAuth 2.0 client credentials (a JWT assertion signed with the mapped certificate's
key, exchanged for an hour's bearer token)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from erp_system.adapters.upstream import problem_for_status, send
from erp_system.domain.errors import ErpAuthenticationFailed, ErpError

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Renew a bearer token this long before NetSuite says it expires.
TOKEN_MARGIN_SECONDS = 60
ASSERTION_LIFETIME_SECONDS = 300


def _encode(value: str) -> str:
    """RFC 5849 section 3.6: unreserved characters stay, everything else is %XX of UTF-8."""
    return quote(value, safe="~-._")


def signature_base_string(method: str, url: httpx.URL, oauth: Iterable[tuple[str, str]]) -> str:
    """RFC 5849 section 3.4.1: method, base URI (no query, default port dropped) and the sorted
    encoded query and oauth_* parameters."""
    port = url.port
    authority = url.host if port is None else f"{url.host}:{port}"
    base_uri = f"{url.scheme}://{authority}{url.path}"
    query = httpx.QueryParams(url.query).multi_items()
    pairs = sorted((_encode(name), _encode(value)) for name, value in [*query, *oauth])
    normalized = "&".join(f"{name}={value}" for name, value in pairs)
    return "&".join((method.upper(), _encode(base_uri), _encode(normalized)))


@dataclass(frozen=True)
class TokenBasedAuth:
    """Signs each request NetSuite gets with the integration's consumer and the role's token."""

    realm: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str
    clock: Callable[[], float] = time.time
    nonce: Callable[[], str] = lambda: secrets.token_hex(16)

    def __call__(self, request: httpx.Request) -> None:
        """Set a fresh `Authorization: OAuth ...` (new nonce and timestamp) on the request."""
        oauth = {
            "oauth_consumer_key": self.consumer_key,
            "oauth_token": self.token_id,
            "oauth_signature_method": "HMAC-SHA256",
            "oauth_timestamp": str(int(self.clock())),
            "oauth_nonce": self.nonce(),
            "oauth_version": "1.0",
        }
        base = signature_base_string(request.method, request.url, oauth.items())
        key = f"{_encode(self.consumer_secret)}&{_encode(self.token_secret)}".encode()
        digest = hmac.new(key, base.encode(), hashlib.sha256).digest()
        oauth["oauth_signature"] = base64.b64encode(digest).decode()
        fields = [f'realm="{_encode(self.realm)}"'] + [
            f'{name}="{_encode(value)}"' for name, value in oauth.items()
        ]
        request.headers["Authorization"] = "OAuth " + ", ".join(fields)


class BearerSource(Protocol):
    async def authorization(self) -> str | None:
        """The `Authorization` header value, or None when requests are signed instead."""
        ...

    async def invalidate(self, used: str | None) -> bool:
        """Forget a refused token; True when a new one is worth a try."""
        ...


class SignedRequests:
    """TBA: every request is signed by the transport, so there is no header to add here."""

    async def authorization(self) -> str | None:
        return None

    async def invalidate(self, used: str | None) -> bool:
        return False


def _algorithm(key: object) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "PS256"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "ES256"
    raise ValueError("The NetSuite certificate key must be an RSA or EC P-256 private key.")


class ClientCredentials:
    """OAuth 2.0 client credentials with a JWT assertion; one token at a time, renewed before it
    expires or when NetSuite refuses it."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        client_id: str,
        certificate_id: str,
        private_key_pem: bytes,
        scope: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self._client_id = client_id
        self._certificate_id = certificate_id
        self._key = load_pem_private_key(private_key_pem, password=None)
        self._algorithm = _algorithm(self._key)
        self._scope = scope
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    @classmethod
    def from_key_file(cls, path: str, **kwargs: object) -> ClientCredentials:
        return cls(private_key_pem=Path(path).read_bytes(), **kwargs)  # type: ignore[arg-type]

    async def authorization(self) -> str | None:
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at - TOKEN_MARGIN_SECONDS:
                self._token, self._expires_at = await self._fetch()
            return f"Bearer {self._token}"

    async def invalidate(self, used: str | None) -> bool:
        async with self._lock:
            if used == f"Bearer {self._token}":
                self._token = None
        return True

    async def _fetch(self) -> tuple[str, float]:
        now = self._clock()
        token_url = str(self._http.base_url.join(TOKEN_PATH))
        assertion = jwt.encode(
            {
                "iss": self._client_id,
                "scope": [self._scope],
                "aud": token_url,
                "iat": int(now),
                "exp": int(now) + ASSERTION_LIFETIME_SECONDS,
                "jti": str(uuid.uuid4()),
            },
            self._key,  # type: ignore[arg-type]
            algorithm=self._algorithm,
            headers={"kid": self._certificate_id, "typ": "JWT"},
        )
        form = httpx.QueryParams(
            {
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion,
            }
        )
        response = await send(
            self._http,
            "POST",
            TOKEN_PATH,
            content=str(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            idempotent=True,
        )
        if response.status_code in (400, 401, 403):
            raise ErpAuthenticationFailed("NetSuite refused Trivium's client credentials.")
        if response.status_code >= 400:
            raise problem_for_status(
                response.status_code, what="access token", text=None, code=None, errors=[]
            )
        try:
            payload = response.json()
            return str(payload["access_token"]), now + float(payload.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as error:
            raise ErpError("NetSuite's token answer has no access token.") from error
