"""CometD long polling at `/cometd/{version}`: handshake, subscribe (with replay), connect."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from salesforce_emulator.api.deps import EmulatorDep
from salesforce_emulator.api.gate import bearer_token
from salesforce_emulator.domain.auth import Session
from salesforce_emulator.domain.streaming import BayeuxClient, StreamingHub
from salesforce_emulator.emulator import Emulator

router = APIRouter(tags=["streaming"])
AUTH_INVALID = "401::Authentication invalid"


def _reply(message: dict[str, Any], **fields: Any) -> dict[str, Any]:
    reply: dict[str, Any] = {"channel": message.get("channel")}
    if "id" in message:
        reply["id"] = message["id"]
    if "clientId" in message:
        reply["clientId"] = message["clientId"]
    reply.update(fields)
    return reply


def _failure(message: dict[str, Any], error: str, reconnect: str = "handshake") -> dict[str, Any]:
    return _reply(
        message, successful=False, error=error, advice={"reconnect": reconnect, "interval": 0}
    )


async def _handle(
    hub: StreamingHub, session: Session | None, message: dict[str, Any], *, wait: bool
) -> list[dict[str, Any]]:
    channel = message.get("channel")
    if channel == "/meta/handshake":
        if session is None:
            return [
                _reply(
                    message,
                    successful=False,
                    error="403::Handshake denied",
                    ext={"sfdc": {"failureReason": AUTH_INVALID}},
                    advice={"reconnect": "none"},
                )
            ]
        fresh = hub.handshake(session.user.id)
        return [
            _reply(
                message,
                clientId=fresh.id,
                successful=True,
                version="1.0",
                minimumVersion="1.0",
                supportedConnectionTypes=["long-polling"],
                ext={"replay": True, "payload.format": True},
                advice=hub.advice(),
            )
        ]
    if session is None:
        return [_failure(message, AUTH_INVALID)]
    client: BayeuxClient | None = hub.client(message.get("clientId"))
    if client is None:
        return [_failure(message, "403::Unknown client")]
    if channel == "/meta/subscribe":
        subscription = str(message.get("subscription"))
        replay = ((message.get("ext") or {}).get("replay") or {}).get(subscription)
        error = await hub.subscribe(client, subscription, replay)
        if error:
            return [_reply(message, subscription=subscription, successful=False, error=error)]
        return [_reply(message, subscription=subscription, successful=True)]
    if channel == "/meta/unsubscribe":
        subscription = str(message.get("subscription"))
        client.cursors.pop(subscription, None)
        return [_reply(message, subscription=subscription, successful=True)]
    if channel == "/meta/connect":
        events = await hub.connect(client, wait=wait, timeout_seconds=_advised_timeout(message))
        return [*events, _reply(message, successful=True, advice=hub.advice())]
    if channel == "/meta/disconnect":
        hub.disconnect(client.id)
        return [_reply(message, successful=True)]
    return [_reply(message, successful=False, error="403::Publish denied")]


def _advised_timeout(message: dict[str, Any]) -> float | None:
    """The client's `advice.timeout` in seconds (CometD sends milliseconds), if it gave one."""
    advice = message.get("advice")
    timeout = advice.get("timeout") if isinstance(advice, dict) else None
    if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout >= 0:
        return float(timeout) / 1000
    return None


def _session(emulator: Emulator, request: Request) -> Session | None:
    token = bearer_token(request.scope)
    return emulator.sessions.lookup(token) if token else None


@router.post("/cometd/{version}")
@router.post("/cometd/{version}/{meta:path}")
async def cometd(emulator: EmulatorDep, request: Request, version: str) -> JSONResponse:
    """Bayeux messages in, Bayeux messages out (always HTTP 200; errors travel in messages)."""
    try:
        payload = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        payload = []
    messages = payload if isinstance(payload, list) else [payload]
    session = _session(emulator, request)
    replies: list[dict[str, Any]] = []
    # Only a lone connect waits; a batch answers at once so its other messages aren't delayed.
    wait = len(messages) == 1
    for message in messages:
        if isinstance(message, dict):
            replies.extend(await _handle(emulator.streaming, session, message, wait=wait))
    return JSONResponse(replies)
