"""Settings from the environment: the CRM marks of an order, and the lock lease."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from quote_to_order_process.settings import QuoteToOrderSettings


class TestOrderedMarks:
    def test_by_default_the_opportunity_is_closed_won_and_the_quote_status_kept(self) -> None:
        settings = QuoteToOrderSettings()
        assert (settings.ordered_opportunity_stage, settings.ordered_quote_status) == (
            "Closed Won",
            None,
        )

    def test_none_leaves_the_opportunity_unchanged(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("QUOTE_TO_ORDER_ORDERED_OPPORTUNITY_STAGE", "none")
        monkeypatch.setenv("QUOTE_TO_ORDER_ORDERED_QUOTE_STATUS", "Ordered")
        settings = QuoteToOrderSettings()
        assert (settings.ordered_opportunity_stage, settings.ordered_quote_status) == (
            None,
            "Ordered",
        )


class TestLockLease:
    def test_the_lock_must_expire_before_a_message_is_delivered_again(self) -> None:
        with pytest.raises(ValidationError, match="order_lock_seconds"):
            QuoteToOrderSettings(order_lock_seconds=60, queue_visibility_timeout_seconds=60)
