"""Scripted failures: a fake's next calls fail before or after taking effect, in order."""

from __future__ import annotations

import pytest

from trivium.fakes import ScriptedFailures


class TestScriptedFailures:
    def test_the_next_calls_fail_one_error_each_then_succeed(self) -> None:
        failures = ScriptedFailures()
        failures.fail_next("create", TimeoutError("first"), ConnectionError("second"))
        with pytest.raises(TimeoutError):
            failures.enter("create")
        with pytest.raises(ConnectionError):
            failures.enter("create")
        failures.enter("create")
        failures.enter("read")
        assert failures.calls == {"create": 3, "read": 1}

    def test_a_lost_answer_is_raised_after_the_call_took_effect(self) -> None:
        failures = ScriptedFailures()
        failures.lose_next_answer("create", TimeoutError("lost"))
        failures.enter("create")
        with pytest.raises(TimeoutError):
            failures.leave("create")
        failures.leave("create")
