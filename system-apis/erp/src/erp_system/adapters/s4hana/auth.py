"""Logon to S/4HANA: a technical user (Basic) or OAuth 2.0 client credentials."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from typing import Protocol

import httpx

from erp_system.domain.errors import ErpAuthenticationFailed, ErpTimeout, ErpUnavailable

log = logging.getLogger(__name__)

TOKEN_PATH = "/sap/bc/sec/oauth2/token"
_EXPIRY_MARGIN_SECONDS = 60.0


class Authenticator(Protocol):
    """Supplies the Authorization header of every call to the system."""

    async def authorization(self) -> str: ...

    async def invalidate(self, used: str) -> bool:
        """Forget a rejected credential; True when a fresh one may succeed (then retry once)."""
        ...


def basic_credentials(user: str, secret: str) -> str:
    """An HTTP Basic Authorization value."""
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


class BasicAuthenticator:
    """A communication user's name and password on every call."""

    def __init__(self, *, username: str, password: str) -> None:
        self._value = basic_credentials(username, password)

    async def authorization(self) -> str:
        return self._value

    async def invalidate(self, used: str) -> bool:
        return False


class ClientCredentialsAuthenticator:
    """Bearer tokens from the system's OAuth server, renewed shortly before they expire."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str | None = None,
        sap_client: str | None = None,
    ) -> None:
        self._http = http
        self._token_url = token_url
        self._client_auth = basic_credentials(client_id, client_secret)
        self._scope = scope
        self._sap_client = sap_client
        self._value: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def authorization(self) -> str:
        if self._value is not None and time.monotonic() < self._expires_at:
            return self._value
        async with self._lock:
            if self._value is None or time.monotonic() >= self._expires_at:
                await self._fetch()
            assert self._value is not None
            return self._value

    async def invalidate(self, used: str) -> bool:
        async with self._lock:
            if self._value == used:
                self._value = None
        return True

    async def _fetch(self) -> None:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        params = {"sap-client": self._sap_client} if self._sap_client else None
        self.fetches += 1
        try:
            response = await self._http.post(
                self._token_url,
                data=form,
                params=params,
                headers={"Authorization": self._client_auth, "Accept": "application/json"},
            )
        except httpx.TimeoutException as error:
            raise ErpTimeout("The ERP's OAuth server did not answer in time.") from error
        except httpx.TransportError as error:
            raise ErpUnavailable(
                "The ERP's OAuth server cannot be reached.", headers={"Retry-After": "30"}
            ) from error
        if response.status_code >= 500:
            raise ErpUnavailable(
                "The ERP's OAuth server is unavailable.", headers={"Retry-After": "30"}
            )
        payload = response.json() if response.status_code == 200 else {}
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not token:
            log.warning("s4hana.oauth.refused", extra={"status": response.status_code})
            raise ErpAuthenticationFailed("The ERP's OAuth server refused Trivium's client.")
        lifetime = float(payload.get("expires_in") or 3600)
        self._value = f"Bearer {token}"
        self._expires_at = time.monotonic() + max(lifetime - _EXPIRY_MARGIN_SECONDS, 1.0)
        log.info("s4hana.oauth.token", extra={"expires_in": lifetime})
