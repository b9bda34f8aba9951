"""What `trivium budget` and `trivium quota` read from the gateway's kong.yml, and how they judge
a budget reading: the repository's kong.yml, the guard's own rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from trivium_gateway.entities import stable_id
from trivium_gateway.partner_policy import BudgetReading

from trivium_cli.client import OperatorError
from trivium_cli.commands.gateway import budget_view
from trivium_cli.gateway_policy import budget_guards, find_partner, load_kong_config
from trivium_cli.settings import LOCAL_GATEWAY_REDIS_URL, CliSettings

KONG_CONFIG = Path(__file__).resolve().parents[2] / "gateway" / "kong.yml"
NOW = 1_800_000_000.0


def decisions(remaining: int, *, age: float = 10) -> dict[str, str]:
    [guard] = budget_guards(load_kong_config(KONG_CONFIG))
    reading = BudgetReading(100_000 - remaining, 100_000, remaining, NOW - age)
    view = budget_view(reading, guard, now=NOW)
    return {plan["plan"]: plan["decision"] for plan in view["plans"]}


class TestFindPartner:
    @pytest.mark.parametrize("name", ["P-1003", "partner-rhein"])
    def test_by_account_number_or_username(self, name: str) -> None:
        partner = find_partner(load_kong_config(KONG_CONFIG), name)
        assert (partner.name, partner.plan) == ("partner-rhein", "bronze")
        assert partner.consumer_id == stable_id("consumer", "partner-rhein")
        assert [(w.name, w.limit) for w in partner.windows] == [("second", 5), ("minute", 60)]

    def test_an_unknown_partner_is_refused(self) -> None:
        with pytest.raises(OperatorError, match="no consumer"):
            find_partner(load_kong_config(KONG_CONFIG), "P-0000")


class TestBudgetView:
    def test_a_full_budget_sheds_nobody(self) -> None:
        assert decisions(90_000) == {"bronze": "passed", "silver": "passed", "gold": "passed"}

    def test_bronze_is_shed_first(self) -> None:
        assert decisions(30_000) == {"bronze": "shed", "silver": "passed", "gold": "passed"}

    def test_a_stale_reading_is_an_unknown_budget(self) -> None:
        assert set(decisions(90_000, age=3600).values()) == {"unknown_budget"}


class TestGatewayRedisUrl:
    def test_the_setting_wins(self) -> None:
        assert CliSettings(redis_url="redis://r:1/0").gateway_redis_url() == "redis://r:1/0"

    def test_else_what_make_run_wrote_down(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        written = tmp_path / LOCAL_GATEWAY_REDIS_URL
        written.parent.mkdir(parents=True)
        written.write_text("redis://gateway:pw@127.0.0.1:7000/0\n")
        monkeypatch.chdir(tmp_path / ".run")
        assert CliSettings().gateway_redis_url() == "redis://gateway:pw@127.0.0.1:7000/0"

    def test_none_without_either(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("TRIVIUM_CLI_REDIS_URL", raising=False)
        assert CliSettings().gateway_redis_url() is None
