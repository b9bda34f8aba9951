"""HAProxy in front of local replicas: one address per service for `make run SCALE=2` and the
scale-out tests, as a Kubernetes Service is in a cluster.

HAProxy rather than nginx (or the gateway's own upstream list): its open-source build checks
every replica's `/readyz` itself, so a replica that is not ready, or was just killed, leaves the
rotation within a check interval and one that restarts comes back only once it answers ready
(nginx's free build only notices failures on live requests), and it retries a request whose
connection was refused on another replica. The gateway instances need a front of their own in
any case, which an upstream list inside the gateway cannot be. Debian's `haproxy` package
(`deploy/local/ensure-haproxy` installs it).

A request a replica received before it died is not sent again: it may have done its work, so
its caller gets a 502 and retries as it would against any service (creating calls carry an
Idempotency-Key).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trivium.redis_discovery import stop_process

DEFAULTS = """global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout queue 30s
    # Longer than any client keeps an idle connection (httpx 5 s, Kong 60 s), as the services.
    timeout http-keep-alive 75s
    # Only a request that never reached a replica is sent to another one.
    retries 3
    retry-on conn-failure
    option redispatch 1
    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 1
"""


@dataclass(frozen=True)
class Pool:
    """One service's replicas behind one front port, checked on `check_path`."""

    name: str
    port: int
    replica_ports: Sequence[int]
    check_path: str = "/readyz"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def haproxy_config(pools: Sequence[Pool]) -> str:
    """The HAProxy configuration of `pools`: a listener per pool on loopback."""
    sections = [DEFAULTS]
    for pool in pools:
        lines = [
            f"listen {pool.name}",
            f"    bind 127.0.0.1:{pool.port}",
            "    balance leastconn",
            f"    option httpchk GET {pool.check_path}",
            "    http-check expect status 200",
        ]
        lines += [
            f"    server {pool.name}-{index} 127.0.0.1:{port} check"
            for index, port in enumerate(pool.replica_ports, start=1)
        ]
        sections.append("\n".join(lines) + "\n")
    return "\n".join(sections)


def haproxy_binary() -> str | None:
    """The `haproxy` program, on PATH or where Debian installs it."""
    return shutil.which("haproxy") or next(
        (path for path in ("/usr/sbin/haproxy",) if Path(path).exists()), None
    )


def write_haproxy_config(pools: Sequence[Pool], run_dir: Path) -> Path:
    """Write the configuration of `pools` under `run_dir`; returns its path."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "haproxy.cfg"
    path.write_text(haproxy_config(pools))
    return path


def haproxy_command(binary: str, config: Path) -> list[str]:
    """HAProxy in the foreground (`-db`), as a supervised process."""
    return [binary, "-db", "-f", str(config)]


@dataclass
class LoadBalancer:
    """A running HAProxy and the pools it serves."""

    pools: Sequence[Pool]
    process: subprocess.Popen[bytes]

    def url_of(self, name: str) -> str:
        """The front address of pool `name`."""
        [pool] = [pool for pool in self.pools if pool.name == name]
        return pool.url

    def stop(self) -> None:
        stop_process(self.process)


def start_load_balancer(
    pools: Sequence[Pool], run_dir: Path, *, timeout: float = 10.0
) -> LoadBalancer:
    """Start HAProxy for `pools` (its configuration and log under `run_dir`) and return once
    every front accepts connections; FileNotFoundError when HAProxy is not installed."""
    binary = haproxy_binary()
    if binary is None:
        raise FileNotFoundError("haproxy is not installed (deploy/local/ensure-haproxy)")
    config = write_haproxy_config(pools, run_dir)
    with (run_dir / "haproxy.log").open("wb") as log:
        process = subprocess.Popen(
            haproxy_command(binary, config), stdout=log, stderr=subprocess.STDOUT
        )
    balancer = LoadBalancer(pools, process)
    deadline = time.monotonic() + timeout
    waiting = list(pools)
    while waiting:
        if process.poll() is not None:
            raise RuntimeError(f"haproxy exited with {process.returncode}: see {run_dir}")
        if time.monotonic() > deadline:
            balancer.stop()
            raise TimeoutError(f"haproxy did not listen on {waiting[0].url} within {timeout} s")
        waiting = [pool for pool in waiting if not _accepts(pool.port)]
        time.sleep(0.02)
    return balancer


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0
