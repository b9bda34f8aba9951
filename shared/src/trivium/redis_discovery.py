"""Find a Redis for `make run` and the tests, or start one, in a fixed order of preference.

1. `REDIS_URL` when set;
2. a Redis answering PING on 127.0.0.1:6379;
3. `redis-server` from PATH on a free port, its files under the run folder;
4. an in-process Redis-compatible server (fakeredis, from the `trivium[fakeredis]` extra), for
   demos only.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import socketserver
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import redis

log = logging.getLogger(__name__)

DEFAULT_LOCAL_REDIS = "redis://127.0.0.1:6379/0"
RedisOrigin = Literal["env", "local", "redis-server", "fakeredis"]


class RedisNotFound(RuntimeError):
    """No Redis to use, and none this installation can start."""


@dataclass
class RedisEndpoint:
    """A Redis the caller may use, and how to stop it when Trivium started it."""

    url: str
    origin: RedisOrigin
    process: subprocess.Popen[bytes] | None = None
    _fake_server: socketserver.BaseServer | None = field(default=None, repr=False)

    def stop(self) -> None:
        """Stop the server if this process started it; a found one is left alone."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if isinstance(self._fake_server, socketserver.BaseServer):
            self._fake_server.shutdown()
            self._fake_server.server_close()


def answers_ping(url: str, timeout: float = 0.5) -> bool:
    """True when a Redis at `url` answers PING within `timeout` seconds."""
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis_server(run_dir: Path, *, port: int | None = None) -> RedisEndpoint:
    """Start a private `redis-server` on loopback, keeping nothing on disk but its log."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not on PATH")
    port = port or free_port()
    run_dir.mkdir(parents=True, exist_ok=True)
    arguments = [
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--save", "",
        "--appendonly", "no",
        "--dir", str(run_dir),
        "--logfile", str(run_dir / f"redis-{port}.log"),
    ]  # fmt: skip
    process = subprocess.Popen(
        [binary, *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    _wait_for_ping(url, process)
    return RedisEndpoint(url=url, origin="redis-server", process=process)


def start_fake_redis_server(*, port: int | None = None) -> RedisEndpoint:
    """Serve fakeredis over TCP from a background thread of this process (demos only)."""
    try:
        # Imported late: only this fallback needs it, and only the development install has it.
        from fakeredis import TcpFakeServer
    except ImportError as missing:
        raise RedisNotFound(
            "No Redis found and fakeredis is not installed: set REDIS_URL, start a Redis on "
            "127.0.0.1:6379, or install trivium[fakeredis] or redis-server"
        ) from missing

    port = port or free_port()
    server = TcpFakeServer(("127.0.0.1", port), server_type="redis")
    threading.Thread(target=server.serve_forever, name="fakeredis", daemon=True).start()
    url = f"redis://127.0.0.1:{port}/0"
    _wait_for_ping(url, None)
    return RedisEndpoint(url=url, origin="fakeredis", _fake_server=server)


def _wait_for_ping(url: str, process: subprocess.Popen[bytes] | None, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode} before answering")
        if answers_ping(url, timeout=0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"no Redis answered at {url} within {timeout} s")


def find_redis(run_dir: Path, *, environ: dict[str, str] | None = None) -> RedisEndpoint:
    """The Redis to use, by the order in this module's docstring."""
    env = os.environ if environ is None else environ
    if env.get("REDIS_URL"):
        return RedisEndpoint(url=env["REDIS_URL"], origin="env")
    if answers_ping(DEFAULT_LOCAL_REDIS):
        return RedisEndpoint(url=DEFAULT_LOCAL_REDIS, origin="local")
    if shutil.which("redis-server"):
        return start_redis_server(run_dir)
    log.warning(
        "redis.fallback.fakeredis",
        extra={"detail": "no Redis found: serving an in-process fakeredis, for demos only"},
    )
    return start_fake_redis_server()
