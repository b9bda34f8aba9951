"""The fault injection the emulators share."""

from __future__ import annotations

from emulator_kit.chaos import Chaos, ChaosSettings


class TestConfigure:
    def test_changes_only_what_is_given(self) -> None:
        chaos = Chaos(seed=1)
        chaos.configure(latency_ms=200.0)
        settings = chaos.configure(outage=True)
        assert settings == ChaosSettings(latency_ms=200.0, outage=True)

    def test_reset_switches_everything_off(self) -> None:
        chaos = Chaos(seed=1)
        chaos.configure(error_rate=1.0, jitter_ms=5.0)
        chaos.reset()
        assert chaos.settings == ChaosSettings()


class TestDelaySeconds:
    def test_none_when_off(self) -> None:
        assert Chaos(seed=1).delay_seconds() == 0.0

    def test_latency_plus_jitter_within_bounds(self) -> None:
        chaos = Chaos(seed=1)
        chaos.configure(latency_ms=100.0, jitter_ms=50.0)
        delays = [chaos.delay_seconds() for _ in range(50)]
        assert all(0.1 <= delay <= 0.15 for delay in delays)


class TestShouldFail:
    def test_never_at_rate_zero(self) -> None:
        chaos = Chaos(seed=1)
        assert not any(chaos.should_fail("GET") for _ in range(100))
        assert chaos.injected_errors == 0

    def test_always_at_rate_one_and_counted(self) -> None:
        chaos = Chaos(seed=1)
        chaos.configure(error_rate=1.0)
        assert all(chaos.should_fail("POST") for _ in range(10))
        assert chaos.injected_errors == 10

    def test_only_the_chosen_methods(self) -> None:
        chaos = Chaos(seed=1)
        chaos.configure(error_rate=1.0, methods=("POST",))
        assert not chaos.should_fail("get")
        assert chaos.should_fail("post")
