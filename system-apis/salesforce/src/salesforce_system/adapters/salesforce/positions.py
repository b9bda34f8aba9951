"""Positions of the account change feed as this adapter writes them: where a CometD
subscription starts again.

A position names either the replay id of the last event read, or, for a subscription opened at
`now` or `earliest` that has not delivered an event yet (so has no replay id to name), the
subscription a replica keeps open. Both are written as unpadded base64url of a small JSON
object: callers get one URL-safe word that they can only store and send back, never a number
they could compare, count on or build themselves, and this adapter may add a field later without
changing what callers do. Only the canonical encoding is read back, so a position has one
spelling.

Replay ids written bare (`"7234"`), as this API answered before positions became tokens, are
still read as such, so that a consumer's stored position survives the upgrade; so are the
`live:` subscription names of that time, which no replica holds any more after a restart (the
caller is told its position is gone, as for any subscription that is gone).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from salesforce_system.domain.sync_models import EARLIEST, NOW

NEW_EVENTS = -1
ALL_EVENTS = -2
MAX_REPLAY_ID = 2**63 - 1
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_BARE_REPLAY_ID = re.compile(r"^\d{1,19}$")
_SUBSCRIPTION_KEY = re.compile(r"^[0-9a-f]{32}$")
_BARE_SUBSCRIPTION = re.compile(r"^live:(?P<key>[0-9a-f]{32})$")


class UnreadablePosition(ValueError):
    """The text is not a position this feed issued."""


@dataclass(frozen=True)
class ReplayFrom:
    """Subscribe after this replay id (`NEW_EVENTS`: from now on, `ALL_EVENTS`: all retained)."""

    replay_id: int


@dataclass(frozen=True)
class KeptSubscription:
    """Read on with the subscription a replica keeps under this key."""

    key: str


def replay_position(replay_id: int) -> str:
    return _encode({"replayId": replay_id})


def subscription_position(key: str) -> str:
    return _encode({"subscription": key})


def read_position(position: str) -> ReplayFrom | KeptSubscription:
    """What a position a caller sent names; UnreadablePosition when this feed did not issue it."""
    if position == NOW:
        return ReplayFrom(NEW_EVENTS)
    if position == EARLIEST:
        return ReplayFrom(ALL_EVENTS)
    if _BARE_REPLAY_ID.match(position) and int(position) <= MAX_REPLAY_ID:
        return ReplayFrom(int(position))
    if bare := _BARE_SUBSCRIPTION.match(position):
        return KeptSubscription(bare.group("key"))
    content = _decode(position)
    if content.keys() == {"replayId"}:
        replay_id = content["replayId"]
        if type(replay_id) is int and 0 <= replay_id <= MAX_REPLAY_ID:
            return ReplayFrom(replay_id)
    if content.keys() == {"subscription"}:
        key = content["subscription"]
        if isinstance(key, str) and _SUBSCRIPTION_KEY.match(key):
            return KeptSubscription(key)
    raise UnreadablePosition(position)


def _encode(content: dict[str, Any]) -> str:
    text = json.dumps(content, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(position: str) -> dict[str, Any]:
    if not _TOKEN.match(position):
        raise UnreadablePosition(position)
    try:
        raw = base64.urlsafe_b64decode(position + "=" * (-len(position) % 4))
        content = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise UnreadablePosition(position) from error
    if not isinstance(content, dict) or _encode(content) != position:
        raise UnreadablePosition(position)
    return content
