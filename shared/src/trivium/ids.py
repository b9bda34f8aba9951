"""ULIDs: the ids of the Process APIs' sagas, whose lexicographic order is their creation order
(listings and paging rely on it)."""

from __future__ import annotations

import os
import time

ULID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ulid(now_ms: int | None = None) -> str:
    """A ULID: 26 characters that sort by creation time (ms), then 80 random bits."""
    stamp = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    value = (stamp << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))
