"""Run a Trivium service as a real uvicorn subprocess on a free port, ready to be called."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from trivium.redis_discovery import free_port

# Spans are written within a tenth of a second of ending, so that tests find them at once.
SPAN_EXPORT_DELAY_MS = "100"


def harness_env(log_dir: Path) -> dict[str, str]:
    """What every process a test starts runs with: readable logs, and its spans written to the
    span files under `log_dir/traces` (where tests and `trivium trace` read them)."""
    return {
        "TRIVIUM_LOG_FORMAT": "text",
        "TRIVIUM_TRACES_DIR": str(traces_dir(log_dir)),
        "OTEL_BSP_SCHEDULE_DELAY": SPAN_EXPORT_DELAY_MS,
    }


def traces_dir(log_dir: Path) -> Path:
    """The span files of the processes started with `log_dir`."""
    return log_dir / "traces"


@dataclass
class RunningService:
    """A service process started for a test, with the base URL it listens on."""

    name: str
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, *, kill: bool = False) -> None:
        """Stop the process: SIGTERM and wait (or SIGKILL when `kill`)."""
        if self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the service wrote, for failure messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_service(
    app_factory: str,
    *,
    name: str,
    env: Mapping[str, str] | None = None,
    log_dir: Path,
    port: int | None = None,
    ready_path: str = "/readyz",
    timeout: float = 90.0,
) -> RunningService:
    """Run `uvicorn --factory <app_factory>` and return once `ready_path` answers 200 (the
    timeout is generous: on a loaded machine a service's imports alone can take many seconds)."""
    port = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}-{port}.log"
    # A test's stop should not wait out a held long poll: open requests get 3 s to finish.
    # Idle connections are kept 75 s as in production (Procfile, Dockerfiles): longer than any
    # client keeps one (httpx 5 s, Kong 60 s), so a client never sends on a connection the
    # server is closing at that moment ("Server disconnected without sending a response").
    command = [
        sys.executable, "-m", "uvicorn", "--factory", app_factory,
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
        "--timeout-graceful-shutdown", "3", "--timeout-keep-alive", "75",
    ]  # fmt: skip
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            env={**os.environ, **harness_env(log_dir), **(env or {})},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    service = RunningService(name, f"http://127.0.0.1:{port}", port, process, log_path)
    try:
        wait_until_ready(service, ready_path=ready_path, timeout=timeout)
    except Exception:
        service.stop(kill=True)
        raise
    return service


def wait_until_ready(service: RunningService, *, ready_path: str, timeout: float) -> None:
    """Poll the readiness path until it answers 200, the process dies, or time runs out."""
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if service.process.poll() is not None:
                raise RuntimeError(
                    f"{service.name} exited with {service.process.returncode}:\n"
                    + service.log_tail()
                )
            try:
                response = client.get(service.url + ready_path)
                if response.status_code == 200:
                    return
                last_error = f"{response.status_code} {response.text[:200]}"
            except httpx.TransportError as error:
                last_error = repr(error)
            time.sleep(0.05)
    raise TimeoutError(f"{service.name} not ready after {timeout} s ({last_error})")
