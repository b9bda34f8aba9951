"""Salesforce record ids: 15-character case-sensitive ids and their 18-character form."""

from __future__ import annotations

import re

_ID_SHAPE = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-5]{3})?")
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def id_suffix(id15: str) -> str:
    """The 3-character checksum that turns a 15-character id into its 18-character form."""
    suffix = []
    for chunk in range(3):
        bits = 0
        for i, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << i
        suffix.append(_SUFFIX_ALPHABET[bits])
    return "".join(suffix)


def normalize_id(text: str) -> str | None:
    """The canonical 18-character id for a 15- or 18-character id, or None if not an id.

    An 18-character id is case-insensitive: its suffix restores the case of the first 15.
    Ids that merely look like ids pass through unchanged.
    """
    if not _ID_SHAPE.fullmatch(text):
        return None
    if len(text) == 15:
        return text + id_suffix(text)
    if id_suffix(text[:15]) == text[15:]:
        return text
    suffix = text[15:].upper()
    chars = list(text[:15])
    for chunk, code in enumerate(suffix):
        bits = _SUFFIX_ALPHABET.index(code)
        for i in range(5):
            pos = chunk * 5 + i
            upper = bool(bits >> i & 1)
            chars[pos] = chars[pos].upper() if upper else chars[pos].lower()
    id15 = "".join(chars)
    # An id whose suffix is no checksum (hand-made test data) is taken as written.
    return id15 + suffix if id_suffix(id15) == suffix else text
