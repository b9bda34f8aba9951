"""Token-based authentication: OAuth 1.0a (RFC 5849) with HMAC-SHA256, as NetSuite checks it.

The signature covers the method, the base URL (scheme, host, port when not the default, path)
and the sorted, percent-encoded parameters: query, form body, and the `oauth_*` header values
except the signature and `realm`. NetSuite also wants `realm` to be the account id, a
timestamp near its clock and a nonce it has not seen from that token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

SIGNATURE_METHOD = "HMAC-SHA256"
_PARAMETER = re.compile(r'\s*([A-Za-z0-9_\-.~%]+)\s*=\s*"([^"]*)"\s*')
REQUIRED = (
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
)


class OAuthRefused(Exception):
    """Why a request is not authenticated (logged, never shown: NetSuite says INVALID_LOGIN)."""


def encode(value: str) -> str:
    """RFC 5849 §3.6: unreserved characters stay, everything else is %XX of its UTF-8 bytes."""
    return quote(value, safe="~-._")


def parse_authorization(header: str) -> dict[str, str]:
    """The parameters of an `Authorization: OAuth k="v", …` header, decoded."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "oauth" or not rest:
        raise OAuthRefused("not an OAuth authorization header")
    parameters: dict[str, str] = {}
    for part in rest.split(","):
        match = _PARAMETER.fullmatch(part)
        if match is None:
            raise OAuthRefused("malformed OAuth parameter")
        name, value = unquote(match.group(1)), unquote(match.group(2))
        if name in parameters:
            raise OAuthRefused(f"repeated OAuth parameter {name}")
        parameters[name] = value
    return parameters


def base_string_uri(url: str) -> str:
    """RFC 5849 §3.4.1.2: lower-case scheme and host, default port dropped, no query."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    default = (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    authority = host if port is None or default else f"{host}:{port}"
    return f"{scheme}://{authority}{parts.path or '/'}"


def normalized_parameters(parameters: Iterable[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1.3.2: encoded, sorted by name then value, joined with & and =."""
    pairs = sorted((encode(name), encode(value)) for name, value in parameters)
    return "&".join(f"{name}={value}" for name, value in pairs)


def signature_base_string(method: str, url: str, parameters: Iterable[tuple[str, str]]) -> str:
    signed = [(n, v) for n, v in parameters if n not in ("oauth_signature", "realm")]
    return "&".join(
        (method.upper(), encode(base_string_uri(url)), encode(normalized_parameters(signed)))
    )


def sign(base_string: str, consumer_secret: str, token_secret: str) -> str:
    key = f"{encode(consumer_secret)}&{encode(token_secret)}".encode()
    digest = hmac.new(key, base_string.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class NonceRegistry:
    """Nonces seen within the timestamp window: a repeat is a replay."""

    def __init__(self, *, window_seconds: int) -> None:
        self._window = window_seconds
        self._seen: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()

    def first_use(self, token: str, nonce: str, timestamp: int, now: float) -> bool:
        key = (token, nonce, str(timestamp))
        with self._lock:
            horizon = now - 2 * self._window
            if len(self._seen) > 10_000:
                self._seen = {k: t for k, t in self._seen.items() if t > horizon}
            if key in self._seen:
                return False
            self._seen[key] = timestamp
            return True

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


@dataclass(frozen=True)
class TokenCredentials:
    """The integration record's consumer and the user's access token, with the account."""

    realm: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str


@dataclass
class OAuth1Verifier:
    credentials: TokenCredentials
    nonces: NonceRegistry
    window_seconds: int
    clock: Callable[[], float] = time.time

    def verify(
        self,
        *,
        method: str,
        url: str,
        authorization: str,
        query: Iterable[tuple[str, str]],
        form: Iterable[tuple[str, str]] = (),
    ) -> str:
        """Check a signed request; returns the token id it was made with."""
        oauth = parse_authorization(authorization)
        missing = [name for name in REQUIRED if not oauth.get(name)]
        if missing:
            raise OAuthRefused(f"missing {', '.join(missing)}")
        expected = self.credentials
        if oauth.get("realm", "").upper() != expected.realm:
            raise OAuthRefused("wrong realm")
        if oauth["oauth_signature_method"] != SIGNATURE_METHOD:
            raise OAuthRefused("unsupported signature method")
        if oauth.get("oauth_version", "1.0") != "1.0":
            raise OAuthRefused("unsupported OAuth version")
        known = hmac.compare_digest(oauth["oauth_consumer_key"], expected.consumer_key)
        if not known or not hmac.compare_digest(oauth["oauth_token"], expected.token_id):
            raise OAuthRefused("unknown consumer or token")
        if not oauth["oauth_timestamp"].isdigit():
            raise OAuthRefused("malformed timestamp")
        stamp, now = int(oauth["oauth_timestamp"]), self.clock()
        if abs(now - stamp) > self.window_seconds:
            raise OAuthRefused("timestamp outside the window")
        parameters = [*query, *form, *((n, v) for n, v in oauth.items() if n.startswith("oauth_"))]
        base = signature_base_string(method, url, parameters)
        signature = sign(base, expected.consumer_secret, expected.token_secret)
        if not hmac.compare_digest(signature, oauth["oauth_signature"]):
            raise OAuthRefused("signature mismatch")
        # Only a correctly signed nonce is remembered, so forged requests cannot burn nonces.
        if not self.nonces.first_use(oauth["oauth_token"], oauth["oauth_nonce"], stamp, now):
            raise OAuthRefused("nonce replayed")
        return oauth["oauth_token"]
