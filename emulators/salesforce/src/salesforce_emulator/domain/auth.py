"""Sign-in: OAuth 2.0 grants (client credentials, password, JWT bearer) and expiring sessions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography import x509

from salesforce_emulator.domain.basics import OrgUser

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class OAuthError(Exception):
    """A refused token request: `{"error", "error_description"}` with an HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True, slots=True)
class Session:
    """An access token and whom it belongs to."""

    token: str
    user: OrgUser
    issued_at: float
    expires_at: float


@dataclass(frozen=True, slots=True)
class ConnectedApp:
    """The connected app and the user its flows run as."""

    client_id: str
    client_secret: str
    certificate_pem: bytes
    user: OrgUser
    password: str
    security_token: str
    audiences: tuple[str, ...]


class SessionStore:
    """Access tokens of this process; they expire after `ttl_seconds`."""

    def __init__(
        self, *, org_id: str, ttl_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.org_id = org_id
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def issue(self, user: OrgUser) -> Session:
        """A new session for `user`, shaped like Salesforce's `<org id>!<secret>` tokens."""
        now = self._clock()
        token = f"{self.org_id[:15]}!{secrets.token_urlsafe(72)}"
        session = Session(token, user, now, now + self.ttl_seconds)
        with self._lock:
            self._drop_expired(now)
            self._sessions[token] = session
        return session

    def lookup(self, token: str) -> Session | None:
        """The live session of `token`, or None when unknown or expired."""
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if session.expires_at <= self._clock():
                del self._sessions[token]
                return None
            return session

    def revoke(self, token: str) -> bool:
        with self._lock:
            return self._sessions.pop(token, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._sessions.clear()

    def expire_all(self) -> int:
        """End every session now, as the end of its lifetime would; how many there were."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
            return count

    def _drop_expired(self, now: float) -> None:
        expired = [token for token, item in self._sessions.items() if item.expires_at <= now]
        for token in expired:
            del self._sessions[token]


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def check_client(app: ConnectedApp, client_id: str | None, client_secret: str | None) -> None:
    """invalid_client_id for an unknown client, invalid_client for a wrong secret."""
    if not _same(client_id, app.client_id):
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if not _same(client_secret, app.client_secret):
        raise OAuthError("invalid_client", "invalid client credentials")


def check_password(app: ConnectedApp, username: str | None, password: str | None) -> OrgUser:
    """The user for a username and password (+ security token; loopback is a trusted range)."""
    if username is None or username.lower() != app.user.username.lower():
        raise OAuthError("invalid_grant", "authentication failure")
    if not (_same(password, app.password + app.security_token) or _same(password, app.password)):
        raise OAuthError("invalid_grant", "authentication failure")
    return app.user


def check_jwt_assertion(
    app: ConnectedApp,
    assertion: str | None,
    *,
    now: float,
    own_url: str | None = None,
    find_user: Callable[[str], OrgUser | None] | None = None,
) -> OrgUser:
    """The user of an RS256 assertion signed with the connected app's certificate key.

    `sub` names the user: the app's own user, or any active user `find_user` knows (the
    connected app is taken as pre-authorized for every profile of the org, as an admin sets it
    up for the users a server acts for)."""
    if not assertion:
        raise OAuthError("invalid_grant", "invalid assertion")
    public_key = x509.load_pem_x509_certificate(app.certificate_pem).public_key()
    try:
        claims: dict[str, Any] = jwt.decode(
            assertion,
            public_key,  # type: ignore[arg-type]
            algorithms=["RS256"],
            options={"verify_aud": False, "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as error:
        raise OAuthError("invalid_grant", "invalid assertion") from error
    if claims.get("iss") != app.client_id:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    accepted = {*app.audiences, own_url.rstrip("/")} if own_url else set(app.audiences)
    if not any(str(item).rstrip("/") in accepted for item in audiences):
        raise OAuthError("invalid_grant", "audience is invalid")
    try:
        expires = float(claims["exp"])
    except (KeyError, TypeError, ValueError) as error:
        raise OAuthError("invalid_grant", "invalid assertion") from error
    if expires <= now:
        raise OAuthError("invalid_grant", "expired authorization code")
    subject = claims.get("sub")
    if not isinstance(subject, str):
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    if subject.lower() == app.user.username.lower():
        return app.user
    user = find_user(subject) if find_user is not None else None
    if user is None:
        # An unknown or inactive user reads like one the app is not authorized for.
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    return user


def token_signature(app: ConnectedApp, identity_url: str, issued_at: str) -> str:
    """Base64 HMAC-SHA256 of `id + issued_at` keyed with the client secret, as Salesforce signs."""
    digest = hmac.new(
        app.client_secret.encode(), (identity_url + issued_at).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()
