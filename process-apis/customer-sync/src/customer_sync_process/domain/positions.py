"""Positions of the account change feed as this flow keeps them: the opaque text the Salesforce
System API answered with, stored and sent back as it is, or one of the feed's starting points."""

from __future__ import annotations

NOW = "now"
EARLIEST = "earliest"
START_POSITIONS = frozenset({NOW, EARLIEST})
# Releases before the feed named its starting points stored and configured them in the CRM's
# own numbers (-1: from now on, -2: all it holds). The positions those releases stored after a
# read (replay ids, subscription names) the System API still reads itself.
LEGACY_STARTS = {"-1": NOW, "-2": EARLIEST}


def current_position(stored: str) -> str:
    """A stored or configured position as the feed takes it today."""
    return LEGACY_STARTS.get(stored, stored)
