"""Salesforce OAuth sessions, shared by every replica through Redis.

Orgs cap logins per hour, so a session is minted once (client credentials or JWT bearer), cached in
Redis for all replicas, and replaced only when Salesforce answers INVALID_SESSION_ID. A short Redis
lock makes concurrent replicas wait for one login instead of all logging in at once. A session
knows the org it belongs to from the identity URL of the token response
(`.../id/<org id>/<user id>`): another org behind the same login URL (a sandbox refresh) is
another org id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import jwt

from salesforce_system.adapters.salesforce.soql import to_18
from salesforce_system.domain.errors import CrmAuthenticationFailed, CrmUnavailable
from salesforce_system.settings import SalesforceSystemSettings
from trivium.locks import OwnedKeys
from trivium.redis_client import AsyncRedis

log = logging.getLogger(__name__)

SESSION_KEY = "trivium:salesforce:session:{client_id}"
LOGIN_LOCK_KEY = "trivium:salesforce:login-lock:{client_id}"
LOGIN_LOCK_SECONDS = 15.0
JWT_LIFETIME_SECONDS = 180
_IDENTITY_PATH = re.compile(
    r"/id/(?P<org>[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?)/[a-zA-Z0-9]{15,18}/?$"
)


def org_of_identity(url: object) -> str | None:
    """The org id (18 characters) in a token response's identity URL, None without one."""
    match = _IDENTITY_PATH.search(urlsplit(url).path) if isinstance(url, str) else None
    return to_18(match.group("org")) if match else None


@dataclass(frozen=True)
class SalesforceSession:
    """An access token, the instance it is valid for, the org it belongs to and the identity URL
    that confirms it (None when the login did not name them)."""

    access_token: str
    instance_url: str
    org_id: str | None = None
    identity_url: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token,
                "instance_url": self.instance_url,
                "org_id": self.org_id,
                "identity_url": self.identity_url,
            }
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> SalesforceSession:
        data = json.loads(raw)
        return cls(
            access_token=data["access_token"],
            instance_url=data["instance_url"],
            org_id=data.get("org_id"),
            identity_url=data.get("identity_url"),
        )


class SessionProvider:
    """Hands out the shared session, logging in only when there is none or it was rejected."""

    def __init__(
        self,
        *,
        settings: SalesforceSystemSettings,
        redis_client: AsyncRedis,
        login_client: httpx.AsyncClient,
    ) -> None:
        self._settings = settings
        self._redis = redis_client
        self._login_client = login_client
        self._session_key = SESSION_KEY.format(client_id=settings.client_id)
        self._lock_key = LOGIN_LOCK_KEY.format(client_id=settings.client_id)
        # The login lock, and the cached session (deleted only while it is the rejected one).
        self._owned_keys = OwnedKeys(redis_client, lease_seconds=LOGIN_LOCK_SECONDS)
        self._local: SalesforceSession | None = None
        # The session as Redis holds it, byte for byte: what invalidation compares against
        # (a session stored by an older release serializes differently once read).
        self._local_raw: str | bytes = ""
        self._private_key: str | None = None
        self.logins = 0

    async def current(self) -> SalesforceSession:
        """The session to call Salesforce with (cached in process, then in Redis)."""
        if self._local is not None:
            return self._local
        cached = await self._redis.get(self._session_key)
        if cached is not None:
            return self._adopt(cached)
        return await self._login_once()

    def _adopt(self, raw: str | bytes) -> SalesforceSession:
        self._local, self._local_raw = SalesforceSession.from_json(raw), raw
        return self._local

    async def invalidate(self, rejected: SalesforceSession) -> None:
        """Forget a session Salesforce rejected, unless another replica already replaced it."""
        stored = self._local_raw if self._local == rejected else rejected.to_json()
        if self._local == rejected:
            self._local = None
        await self._owned_keys.release(self._session_key, stored)

    async def _login_once(self) -> SalesforceSession:
        owner = secrets.token_hex(8)
        deadline = time.monotonic() + LOGIN_LOCK_SECONDS
        while time.monotonic() < deadline:
            if await self._owned_keys.take(self._lock_key, owner):
                try:
                    session = await self._login()
                    raw = session.to_json()
                    await self._redis.set(
                        self._session_key, raw, ex=self._settings.session_ttl_seconds
                    )
                    return self._adopt(raw)
                finally:
                    await self._owned_keys.release(self._lock_key, owner)
            await asyncio.sleep(0.05)
            cached = await self._redis.get(self._session_key)
            if cached is not None:
                return self._adopt(cached)
        raise CrmUnavailable("Timed out waiting for another replica to log in to the CRM.")

    async def _login(self) -> SalesforceSession:
        self.logins += 1
        try:
            response = await self._login_client.post(
                self._settings.login_url.rstrip("/") + "/services/oauth2/token",
                data=self._grant(),
            )
        except httpx.TransportError as error:
            raise CrmUnavailable("The CRM's login endpoint cannot be reached.") from error
        if response.status_code >= 500:
            raise CrmUnavailable("The CRM's login endpoint is unavailable.")
        body = _json_object(response)
        if response.status_code != 200 or "access_token" not in body:
            log.error(
                "salesforce.login.failed",
                extra={"status": response.status_code, "error": body.get("error")},
            )
            raise CrmAuthenticationFailed(
                f"The CRM refused the login: {body.get('error', 'unknown_error')}."
            )
        log.info("salesforce.login.succeeded", extra={"flow": self._settings.auth_flow})
        return SalesforceSession(
            access_token=str(body["access_token"]),
            instance_url=str(body.get("instance_url") or self._settings.login_url).rstrip("/"),
            org_id=org_of_identity(body.get("id")),
            identity_url=str(body["id"]) if isinstance(body.get("id"), str) else None,
        )

    def _grant(self) -> dict[str, str]:
        settings = self._settings
        if settings.auth_flow == "client_credentials":
            return {
                "grant_type": "client_credentials",
                "client_id": settings.client_id,
                "client_secret": settings.client_secret.get_secret_value(),
            }
        claims = {
            "iss": settings.client_id,
            "sub": settings.username,
            "aud": settings.jwt_audience or settings.login_url.rstrip("/"),
            "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
        }
        assertion = jwt.encode(claims, self._signing_key(), algorithm="RS256")
        return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}

    def _signing_key(self) -> str:
        if self._private_key is None:
            if not self._settings.private_key_path:
                raise CrmAuthenticationFailed("JWT bearer login needs SF_SYSTEM_PRIVATE_KEY_PATH.")
            self._private_key = Path(self._settings.private_key_path).read_text()
        return self._private_key


def _json_object(response: httpx.Response) -> dict[str, object]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
