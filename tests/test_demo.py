"""`make demo` against the whole stack as `make run` starts it: every step does what it says,
and a second run on the same stack does too, with every service on its own Redis user that no
step takes past its keys."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import redis

from trivium_testing.keys import session_keys
from trivium_testing.stack import CREDENTIALS_ENV

DEMO = Path(__file__).resolve().parents[1] / "deploy" / "local" / "demo.py"
STEPS = 13


def run_demo(demo_stack: Any) -> subprocess.CompletedProcess[str]:
    suite = demo_stack.suite
    targets = {
        "--gateway": demo_stack.gateway.url,
        "--salesforce": suite.system.sf_emulator.url,
        "--s4hana": suite.system.s4_emulator.url,
        "--erp": suite.system.erp,
        "--netsuite": suite.system.erp_emulator.url,
        "--customer-sync": suite.url("customer-sync"),
        "--kong-config": str(suite.log_dir / "kong.yml"),
        "--wait": "60",
    }
    return subprocess.run(
        [sys.executable, str(DEMO), *(part for pair in targets.items() for part in pair)],
        env={
            **os.environ,
            **CREDENTIALS_ENV,
            "TRIVIUM_OPERATOR_KEY_FILE": str(session_keys().key_file("operator")),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def redis_refusals(demo_stack: Any) -> list[dict[str, Any]]:
    """What Redis refused to the services' own users (its ACL log), e.g. a key outside a grant."""
    admin = redis.Redis.from_url(demo_stack.redis.url, decode_responses=True)
    try:
        entries: list[dict[str, Any]] = admin.acl_log()
    finally:
        admin.close()
    return entries


def step_lines(output: str) -> dict[str, str]:
    """Each step's title → its whole line, for the lines the demo marks ok."""
    lines = [line for line in output.splitlines() if line.startswith("ok  ")]
    return {line[9:44].strip(): line for line in lines}


class TestDemo:
    # The whole walk on each ERP: partner order, quote -> order, create customer, sync both ways
    # and the product sync work the same on S/4HANA and on NetSuite.
    @pytest.mark.parametrize("demo_stack", ["s4hana", "netsuite"], indirect=True)
    def test_every_step_does_what_it_says_on_a_fresh_stack(self, demo_stack: Any) -> None:
        result = run_demo(demo_stack)

        sys.stdout.write(result.stdout)
        assert result.returncode == 0, result.stdout + result.stderr
        steps = step_lines(result.stdout)
        assert len(steps) == STEPS, result.stdout
        assert f"{STEPS} of {STEPS} steps did what they say." in result.stdout
        assert "201 Quote 01" in steps["quote -> order"]
        assert "ERP order" in steps["partner order"]
        assert "Salesforce order" in steps["partner order"]
        assert "replayed" in steps["same order, same key"]
        assert "429" in steps["bronze partner's quota"]
        assert "304" in steps["customer 360, then 304"]
        assert "409" in steps["same customer again"]
        # Every service signed in as its own user and stayed within its keys.
        assert demo_stack.redis.user_urls
        assert redis_refusals(demo_stack) == []

    @pytest.mark.parametrize("demo_stack", ["s4hana"], indirect=True)
    def test_a_second_run_finds_the_quote_ordered_and_still_passes(self, demo_stack: Any) -> None:
        result = run_demo(demo_stack)

        assert result.returncode == 0, result.stdout + result.stderr
        steps = step_lines(result.stdout)
        assert "ordered by an earlier run" in steps["quote -> order"]
        assert redis_refusals(demo_stack) == []
