"""Positions of the account change feed: opaque tokens naming a replay id or a kept
subscription, read back only as issued, and the bare forms of older answers."""

from __future__ import annotations

import base64

import pytest

from salesforce_system.adapters.salesforce.positions import (
    ALL_EVENTS,
    NEW_EVENTS,
    KeptSubscription,
    ReplayFrom,
    UnreadablePosition,
    read_position,
    replay_position,
    subscription_position,
)

SUBSCRIPTION_KEY = "0123456789abcdef0123456789abcdef"


def token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


class TestReplayPosition:
    def test_read_back_as_the_replay_id(self) -> None:
        assert read_position(replay_position(7234)) == ReplayFrom(7234)

    def test_an_opaque_url_safe_word(self) -> None:
        position = replay_position(7234)

        assert not position.isdigit()
        assert position.replace("-", "").replace("_", "").isalnum()

    def test_the_same_replay_id_has_the_same_position(self) -> None:
        assert replay_position(18) == replay_position(18)
        assert replay_position(18) != replay_position(19)


class TestSubscriptionPosition:
    def test_read_back_as_the_kept_subscription(self) -> None:
        position = subscription_position(SUBSCRIPTION_KEY)

        assert read_position(position) == KeptSubscription(SUBSCRIPTION_KEY)


class TestStartingPoints:
    def test_now_and_earliest(self) -> None:
        assert read_position("now") == ReplayFrom(NEW_EVENTS)
        assert read_position("earliest") == ReplayFrom(ALL_EVENTS)


class TestPositionsOfOlderAnswers:
    def test_a_bare_replay_id_is_read_as_one(self) -> None:
        assert read_position("7234") == ReplayFrom(7234)

    def test_a_live_subscription_name_is_read_as_a_kept_subscription(self) -> None:
        assert read_position(f"live:{SUBSCRIPTION_KEY}") == KeptSubscription(SUBSCRIPTION_KEY)


class TestUnreadablePositions:
    @pytest.mark.parametrize(
        "position",
        [
            "",
            "-1",
            "-2",
            "latest",
            "1.5",
            "99999999999999999999",
            "live:zz",
            "not base64 at all",
            token("[1]"),
            token('{"replayId":"7"}'),
            token('{"replayId":-1}'),
            token('{"replayId":true}'),
            token('{"replayId":7,"extra":1}'),
            token('{"subscription":"zz"}'),
            token('{"replayId": 7}'),
            token('{"replayId":7}') + "=",
            "\u00e9",
        ],
    )
    def test_refused(self, position: str) -> None:
        with pytest.raises(UnreadablePosition):
            read_position(position)
