"""Fixtures for the SOQL engine tests: a fresh in-memory org per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .factory import Org


@pytest.fixture
def org() -> Iterator[Org]:
    org = Org()
    yield org
    org.conn.close()
