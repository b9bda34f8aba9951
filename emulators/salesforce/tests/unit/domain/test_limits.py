from __future__ import annotations

from salesforce_emulator.domain.limits import DAY_SECONDS, ApiLimits


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TestApiLimits:
    def test_refuses_once_used_up(self) -> None:
        limits = ApiLimits(daily_api_requests=2, clock=FakeClock())
        assert [limits.consume_request() for _ in range(3)] == [True, True, False]
        assert limits.usage() == (2, 2)

    def test_window_rolls_after_a_day(self) -> None:
        clock = FakeClock()
        limits = ApiLimits(daily_api_requests=1, clock=clock)
        assert limits.consume_request()
        assert not limits.consume_request()
        clock.now += DAY_SECONDS
        assert limits.consume_request()

    def test_set_remaining_and_report(self) -> None:
        limits = ApiLimits(daily_api_requests=100, clock=FakeClock())
        limits.set_remaining(7)
        limits.consume(limits.bulk_batches, 3)
        report = limits.report()
        assert report["DailyApiRequests"] == {"Max": 100, "Remaining": 7}
        assert report["DailyBulkApiBatches"]["Remaining"] == 15_000 - 3
