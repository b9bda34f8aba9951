"""Logon and CSRF protection as SAP's ICF does them.

A caller logs on with Basic credentials, an OAuth bearer token, or the session cookie of an
earlier call. `X-CSRF-Token: Fetch` on a read opens a security session (cookie) and hands out
its token; every modifying request must bring both back.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class SecuritySession:
    """A logged-on session: its cookie value, user, CSRF token and expiry."""

    id: str
    user: str
    csrf_token: str | None
    expires_at: float


class SessionStore:
    """Security sessions, renewed on use and forgotten after `ttl_seconds` of silence."""

    def __init__(self, *, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._sessions: dict[str, SecuritySession] = {}
        self._lock = threading.Lock()

    def open(self, user: str) -> SecuritySession:
        session = SecuritySession(
            id=secrets.token_hex(24).upper(),
            user=user,
            csrf_token=None,
            expires_at=self._clock() + self._ttl,
        )
        with self._lock:
            self._drop_expired()
            self._sessions[session.id] = session
        return session

    def lookup(self, session_id: str | None) -> SecuritySession | None:
        """The live session of a cookie value (its lifetime starts again), or None."""
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or session.expires_at <= self._clock():
                self._sessions.pop(session_id, None)
                return None
            session.expires_at = self._clock() + self._ttl
            return session

    def issue_token(self, session: SecuritySession) -> str:
        """The session's CSRF token (the same one for every fetch in a session)."""
        with self._lock:
            if session.csrf_token is None:
                session.csrf_token = base64.b64encode(secrets.token_bytes(18)).decode()
            return session.csrf_token

    def is_valid_token(self, session: SecuritySession | None, token: str | None) -> bool:
        if session is None or not token or session.csrf_token is None:
            return False
        return hmac.compare_digest(session.csrf_token, token)

    def expire_all(self) -> int:
        """End every session (their tokens and cookies stop working); returns how many."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
            return count

    def _drop_expired(self) -> None:
        now = self._clock()
        for session_id in [sid for sid, s in self._sessions.items() if s.expires_at <= now]:
            del self._sessions[session_id]


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    user: str


class TokenStore:
    """OAuth 2.0 client-credentials access tokens of the communication arrangement."""

    def __init__(self, *, ttl_seconds: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def issue(self, user: str) -> IssuedToken:
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            self._tokens = {t: v for t, v in self._tokens.items() if v[1] > now}
            self._tokens[token] = (user, now + self._ttl)
        return IssuedToken(token, self._ttl, user)

    def lookup(self, token: str) -> str | None:
        """The user a live token stands for, or None."""
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None or entry[1] <= self._clock():
            return None
        return entry[0]

    def revoke_all(self) -> None:
        with self._lock:
            self._tokens.clear()


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(user, password) of a Basic Authorization header, or None."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
