"""trivium.load_balancer: HAProxy's configuration, and a real HAProxy in front of two servers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from trivium.load_balancer import (
    LoadBalancer,
    Pool,
    haproxy_binary,
    haproxy_config,
    start_load_balancer,
)
from trivium.redis_discovery import free_port

INSTALL = "HAProxy is not installed: make haproxy (as root), or: sudo apt-get install haproxy"


class TestHaproxyConfig:
    def test_one_listener_per_pool_checking_each_replica_on_its_path(self) -> None:
        config = haproxy_config([Pool("quote-to-order", 8201, [18201, 28201])])
        listener = config[config.index("listen quote-to-order") :].splitlines()
        assert listener == [
            "listen quote-to-order",
            "    bind 127.0.0.1:8201",
            "    balance leastconn",
            "    option httpchk GET /readyz",
            "    http-check expect status 200",
            "    server quote-to-order-1 127.0.0.1:18201 check",
            "    server quote-to-order-2 127.0.0.1:28201 check",
        ]

    def test_only_a_request_that_reached_no_replica_is_sent_to_another(self) -> None:
        config = haproxy_config([Pool("x", 1, [2])])
        assert "retry-on conn-failure\n" in config
        assert "option redispatch" in config


@pytest.fixture
def haproxy() -> str:
    found = haproxy_binary()
    if found is not None:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(INSTALL)
    pytest.skip(INSTALL)


def serve_ready(folder: Path) -> subprocess.Popen[bytes]:
    """A plain HTTP server whose `/readyz` answers 200 and whose `/name` names it."""
    folder.mkdir()
    (folder / "readyz").write_text("ok")
    (folder / "name").write_text(folder.name)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    process.port = port  # type: ignore[attr-defined]
    return process


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    servers = [serve_ready(tmp_path / name) for name in ("first", "second")]
    yield servers
    for server in servers:
        server.kill()
        server.wait()


@pytest.fixture
def balancer(
    haproxy: str, two_servers: list[subprocess.Popen[bytes]], tmp_path: Path
) -> Iterator[LoadBalancer]:
    ports = [server.port for server in two_servers]  # type: ignore[attr-defined]
    running = start_load_balancer([Pool("files", free_port(), ports)], tmp_path / "haproxy")
    yield running
    running.stop()


def names_served(url: str, *, requests: int) -> list[str]:
    with httpx.Client(base_url=url, timeout=5) as client:
        return [client.get("/name").text for _ in range(requests)]


def wait_until_both_serve(url: str) -> None:
    """Until HAProxy's checks have found both replicas ready (within a second or so)."""
    deadline = time.monotonic() + 30
    seen: set[str] = set()
    while not {"first", "second"} <= seen:
        assert time.monotonic() < deadline, f"only {seen} served"
        seen |= set(names_served(url, requests=4))
        time.sleep(0.05)


class TestLoadBalancer:
    def test_requests_reach_every_replica_through_one_address(self, balancer: LoadBalancer) -> None:
        wait_until_both_serve(balancer.url_of("files"))

    def test_a_killed_replica_is_passed_over(
        self, balancer: LoadBalancer, two_servers: list[subprocess.Popen[bytes]]
    ) -> None:
        url = balancer.url_of("files")
        wait_until_both_serve(url)
        two_servers[0].kill()
        two_servers[0].wait()
        # Refused connections are retried on the other replica: no request fails.
        assert set(names_served(url, requests=20)) == {"second"}
