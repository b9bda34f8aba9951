"""`make run`: find or start Redis, start every service in the Procfile, report when all are ready.

Processes are supervised by honcho (prefixed, coloured logs; Ctrl-C or SIGTERM stops the whole
process group of every service). A Redis this script started is stopped when it exits.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from honcho.environ import parse_procfile
from honcho.manager import Manager
from honcho.printer import Printer

from trivium.redis_discovery import RedisEndpoint, find_redis

ROOT = Path(__file__).resolve().parents[2]
PROCFILE = Path(__file__).with_name("Procfile")
READY_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class LocalService:
    """One Procfile entry and the loopback port it listens on."""

    name: str
    command: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def read_procfile(path: Path) -> list[LocalService]:
    """The services of the Procfile, each with the `--port` its command names."""
    services = []
    for name, command in parse_procfile(path.read_text()).processes.items():
        port = re.search(r"--port[ =](\d+)", command)
        if port is None:
            raise SystemExit(f"{path}: the command of {name!r} names no --port")
        services.append(LocalService(name, command, int(port.group(1))))
    return services


def service_environment(redis: RedisEndpoint) -> dict[str, str]:
    """The environment every local service starts with (the operator's own variables win)."""
    defaults = {"TRIVIUM_LOG_FORMAT": "text", "TRIVIUM_RUN_DIR": str(ROOT / ".run")}
    return {**defaults, **os.environ, "REDIS_URL": redis.url, "PYTHON": sys.executable}


def wait_until_ready(services: list[LocalService], out: Printer, redis: RedisEndpoint) -> None:
    """Poll every `/readyz` until all are green, then print the table of URLs."""
    pending = {service.name: service for service in services}
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    with httpx.Client(timeout=1.0) as client:
        while pending and time.monotonic() < deadline:
            for name, service in list(pending.items()):
                try:
                    if client.get(service.url + "/readyz").status_code == 200:
                        del pending[name]
                except httpx.TransportError:
                    pass
            time.sleep(0.25)
    lines = ["", f"Redis: {redis.url} ({redis.origin})", ""]
    lines += [f"  {'service':<24} {'url':<26} ready"]
    for service in services:
        state = "NOT READY" if service.name in pending else "yes"
        lines.append(f"  {service.name:<24} {service.url:<26} {state}")
    lines.append("\nCtrl-C stops everything.\n")
    out.output.write("\n".join(lines) + "\n")
    out.output.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--procfile", type=Path, default=PROCFILE)
    args = parser.parse_args()
    run_dir = ROOT / ".run"
    run_dir.mkdir(exist_ok=True)
    services = read_procfile(args.procfile)
    redis = find_redis(run_dir)
    if redis.origin == "fakeredis":
        sys.stderr.write(
            "WARNING: no Redis found; serving an in-process fakeredis. It is for demos only: "
            "set REDIS_URL or install redis-server.\n"
        )
    printer = Printer(sys.stdout)
    manager = Manager(printer)
    environment = service_environment(redis)
    for service in services:
        manager.add_process(service.name, service.command, env=environment, cwd=str(ROOT))
    threading.Thread(target=wait_until_ready, args=(services, printer, redis), daemon=True).start()
    try:
        manager.loop()
    finally:
        redis.stop()
    return manager.returncode or 0


if __name__ == "__main__":
    raise SystemExit(main())
