"""Salesforce record ids: 15-character case-sensitive ids and their checksummed 18-char form."""

from __future__ import annotations

import re
import threading

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_SHAPE = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-5]{3})?$")
# Emulated ids have a fixed "instance" part after the key prefix; the rest is a base-62 counter,
# so ids sort in creation order (ASCII order of 0-9A-Za-z is the digit order).
_INSTANCE = "000"
_COUNTER_DIGITS = 9
COUNTER_LIMIT = 62**_COUNTER_DIGITS


def checksum(id15: str) -> str:
    """The three checksum characters Salesforce appends to a 15-character id."""
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(
            1 << offset for offset, char in enumerate(id15[start : start + 5]) if char.isupper()
        )
        suffix += _CHECKSUM_ALPHABET[bits]
    return suffix


def to18(id15: str) -> str:
    """The 18-character form of a 15-character id."""
    return id15 + checksum(id15)


def normalize_id(value: str) -> str | None:
    """The 18-character id for a well-formed 15/18-character id, else None."""
    if not _ID_SHAPE.match(value):
        return None
    id15 = value[:15]
    if len(value) == 18 and value[15:].upper() != checksum(id15):
        return None
    return to18(id15)


def key_prefix(record_id: str) -> str:
    """The three-character key prefix that names the id's sObject type."""
    return record_id[:3]


def encode_counter(number: int) -> str:
    """`number` as a fixed-width base-62 string."""
    if not 0 <= number < COUNTER_LIMIT:
        raise ValueError(f"id counter out of range: {number}")
    digits = []
    for _ in range(_COUNTER_DIGITS):
        number, digit = divmod(number, 62)
        digits.append(BASE62[digit])
    return "".join(reversed(digits))


def decode_counter(record_id: str) -> int:
    """The counter part of an id made by `make_id` (0 for ids of another shape)."""
    value = 0
    for char in record_id[6:15]:
        index = BASE62.find(char)
        if index < 0:
            return 0
        value = value * 62 + index
    return value


def make_id(prefix: str, number: int) -> str:
    """The 18-character id number `number` of the sObject with key prefix `prefix`."""
    return to18(prefix + _INSTANCE + encode_counter(number))


class IdAllocator:
    """Hands out increasing ids per key prefix; seeded from the highest id already stored."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}
        self._lock = threading.Lock()

    def seed(self, prefix: str, highest_id: str | None) -> None:
        """Continue after `highest_id` (the largest id stored for this prefix)."""
        with self._lock:
            start = decode_counter(highest_id) + 1 if highest_id else 1
            self._next[prefix] = max(start, self._next.get(prefix, 1))

    def allocate(self, prefix: str, count: int = 1) -> list[str]:
        """`count` fresh ids for `prefix`."""
        with self._lock:
            first = self._next.get(prefix, 1)
            self._next[prefix] = first + count
        return [make_id(prefix, number) for number in range(first, first + count)]

    def new_id(self, prefix: str) -> str:
        """One fresh id for `prefix`."""
        return self.allocate(prefix)[0]

    def reset(self) -> None:
        """Forget every counter (after the database was wiped)."""
        with self._lock:
            self._next.clear()
