"""Access tokens on a hand-driven clock."""

from __future__ import annotations

from salesforce_emulator.domain.auth import SessionStore
from salesforce_emulator.emulator import Emulator


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class TestSessionStore:
    def test_a_session_lives_for_its_ttl(self, emulator: Emulator) -> None:
        clock = Clock()
        sessions = SessionStore(org_id=emulator.org.org_id, ttl_seconds=60, clock=clock)
        token = sessions.issue(emulator.user).token

        clock.now += 59
        assert sessions.lookup(token) is not None
        clock.now += 1
        assert sessions.lookup(token) is None

    def test_expire_all_ends_every_session(self, emulator: Emulator) -> None:
        sessions = SessionStore(org_id=emulator.org.org_id, ttl_seconds=60)
        tokens = [sessions.issue(emulator.user).token for _ in range(2)]

        assert sessions.expire_all() == 2

        assert [sessions.lookup(token) for token in tokens] == [None, None]
