"""A Bayeux (CometD long-polling) client of the Streaming API, over the org's OAuth session.

One client is one server-side subscription cursor: it handshakes, subscribes to one channel at
a replay position, and long-polls `/meta/connect` for the events after it. The server moves its
cursor as it answers, so a connect whose answer is lost leaves the client unusable: it is
dropped and a new one subscribes again at the last replay id actually delivered.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import httpx

from salesforce_system.adapters.salesforce.session import SessionProvider
from salesforce_system.domain.errors import CrmUnavailable

log = logging.getLogger(__name__)

Message = dict[str, Any]
# Extra seconds a long poll may take beyond what the client advised the server to hold it.
POLL_GRACE_SECONDS = 10.0


class CometdSessionLost(Exception):
    """The server no longer knows the client (`403::Unknown client`) or its session."""


class ReplayIdInvalid(Exception):
    """The server refused the replay id: unknown, or older than its retention window."""


class CometdClient:
    """A handshaken, subscribed Bayeux client on one channel."""

    def __init__(
        self, *, http: httpx.AsyncClient, sessions: SessionProvider, api_version: str
    ) -> None:
        self._http = http
        self._sessions = sessions
        self._path = f"/cometd/{api_version}"
        self._ids = itertools.count(1)
        self.client_id: str | None = None
        self.channel: str | None = None
        # The org of the session the server last answered on: the org of the subscription.
        self.org_id: str | None = None

    async def open(self, channel: str, replay_from: int) -> None:
        """Handshake and subscribe to `channel` after `replay_from` (-1 new, -2 all)."""
        [handshake] = await self._send(
            {
                "channel": "/meta/handshake",
                "version": "1.0",
                "minimumVersion": "1.0",
                "supportedConnectionTypes": ["long-polling"],
            },
            hold_seconds=None,
        )
        if not handshake.get("successful"):
            raise CometdSessionLost(str(handshake.get("error")))
        self.client_id = str(handshake["clientId"])
        replies = await self._send(
            {
                "channel": "/meta/subscribe",
                "clientId": self.client_id,
                "subscription": channel,
                "ext": {"replay": {channel: replay_from}},
            },
            hold_seconds=None,
        )
        reply = replies[-1] if replies else {}
        if not reply.get("successful"):
            error = str(reply.get("error") or "")
            if error.startswith("400::") and "replayId" in error:
                raise ReplayIdInvalid(error)
            raise CrmUnavailable(f"The CRM refused the subscription to {channel}: {error}.")
        self.channel = channel

    async def poll(self, *, wait_seconds: float) -> list[Message]:
        """The events the server has after this client's cursor, waiting up to `wait_seconds`."""
        replies = await self._send(
            {
                "channel": "/meta/connect",
                "clientId": self.client_id,
                "connectionType": "long-polling",
                "advice": {"timeout": int(wait_seconds * 1000)},
            },
            hold_seconds=wait_seconds + POLL_GRACE_SECONDS,
        )
        connect = next((m for m in replies if m.get("channel") == "/meta/connect"), None)
        if connect is not None and not connect.get("successful"):
            raise CometdSessionLost(str(connect.get("error")))
        return [m for m in replies if m.get("channel") == self.channel and "data" in m]

    async def close(self) -> None:
        if self.client_id is None:
            return
        try:
            await self._send(
                {"channel": "/meta/disconnect", "clientId": self.client_id}, hold_seconds=None
            )
        except (CrmUnavailable, CometdSessionLost) as error:
            log.info("cometd.disconnect_failed", extra={"error": type(error).__name__})
        self.client_id = None

    async def _send(self, message: Message, *, hold_seconds: float | None) -> list[Message]:
        session = await self._sessions.current()
        message = {**message, "id": str(next(self._ids))}
        request_timeout: Any = httpx.USE_CLIENT_DEFAULT
        if hold_seconds is not None:
            request_timeout = httpx.Timeout(hold_seconds, connect=min(hold_seconds, 5.0))
        try:
            response = await self._http.post(
                session.instance_url + self._path,
                json=[message],
                headers={"Authorization": f"Bearer {session.access_token}"},
                timeout=request_timeout,
            )
        except httpx.HTTPError as error:
            raise CrmUnavailable(
                f"The CRM's streaming endpoint did not answer ({type(error).__name__})."
            ) from error
        if response.status_code == 401:
            await self._sessions.invalidate(session)
            raise CometdSessionLost("401::Authentication invalid")
        if response.status_code >= 400:
            raise CrmUnavailable(f"The CRM's streaming endpoint answered {response.status_code}.")
        try:
            body = response.json()
        except ValueError as error:
            raise CrmUnavailable("The CRM's streaming endpoint sent no JSON.") from error
        replies = body if isinstance(body, list) else [body]
        for reply in replies:
            failure = _auth_failure(reply) if isinstance(reply, dict) else ""
            if failure.startswith("401::"):
                await self._sessions.invalidate(session)
                raise CometdSessionLost(failure)
        self.org_id = session.org_id
        return [reply for reply in replies if isinstance(reply, dict)]


def _auth_failure(reply: Message) -> str:
    """The error of a reply, or, for a handshake Salesforce denies (`403::Handshake denied`),
    the reason it gives in `ext.sfdc.failureReason` (`401::Authentication invalid` for a token
    it no longer accepts, which a new session cures)."""
    ext = reply.get("ext")
    sfdc = ext.get("sfdc") if isinstance(ext, dict) else None
    reason = sfdc.get("failureReason") if isinstance(sfdc, dict) else None
    return str(reason or reply.get("error") or "")
