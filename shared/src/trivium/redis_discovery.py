"""Find a Redis for `make run` and the tests, or start one, in a fixed order of preference.

1. `REDIS_URL` when set;
2. `redis-server` from PATH on a free port, its files under the run folder, each service signing
   in as its own user (`trivium.redis_users`);
3. a Redis answering PING on 127.0.0.1:6379 (shared by every service, as it is);
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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.exceptions import RedisClusterException

from trivium.redis_client import close_sync_redis, create_sync_redis
from trivium.redis_users import ADMIN_USER, acl_lines, user_url

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
    # Service → its own user's URL, when the server has one user per service; `url` is then the
    # administrator's and no service should get it.
    user_urls: Mapping[str, str] = field(default_factory=dict)
    _fake_server: socketserver.BaseServer | None = field(default=None, repr=False)

    def url_for(self, service: str) -> str | None:
        """The URL `service` signs in with: its own user's, the shared one when the server has no
        users, None when it has users but none for `service` (it needs no Redis)."""
        if self.user_urls:
            return self.user_urls.get(service)
        return self.url

    @property
    def address(self) -> str:
        """The URL without credentials, to show."""
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))

    def stop(self) -> None:
        """Stop the server if this process started it; a found one is left alone."""
        if self.process is not None:
            stop_process(self.process)
        if isinstance(self._fake_server, socketserver.BaseServer):
            self._fake_server.shutdown()
            self._fake_server.server_close()


def stop_process(process: subprocess.Popen[bytes], *, grace_seconds: float = 5) -> None:
    """SIGTERM a process this one started, SIGKILL it after `grace_seconds`, and reap it."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def answers_ping(url: str, timeout: float = 0.5) -> bool:
    """True when a Redis at `url` answers PING within `timeout` seconds."""
    try:
        # A cluster client asks for the slot map as it is made, hence inside the `try`.
        client = create_sync_redis(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    except (redis.RedisError, RedisClusterException, OSError):
        return False
    try:
        return bool(client.ping())
    except (redis.RedisError, RedisClusterException, OSError):
        return False
    finally:
        close_sync_redis(client)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis_server(
    run_dir: Path,
    *,
    port: int | None = None,
    users: Mapping[str, str] | None = None,
    admin_password: str | None = None,
    persistent: bool = False,
) -> RedisEndpoint:
    """Start a private `redis-server` on loopback: it keeps nothing on disk but its log, or, when
    `persistent`, an append-only file under `run_dir` that the next start reads again.

    With `users` (service → password) and `admin_password`, every service signs in as its own
    user, limited to its keys (`trivium.redis_users`), and the answered URL is the
    administrator's. The settings go into a configuration file only its owner can read, so that
    no password shows on the command line.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not on PATH")
    port = port or free_port()
    run_dir.mkdir(parents=True, exist_ok=True)
    settings = [
        "bind 127.0.0.1",
        f"port {port}",
        'save ""',
        f"appendonly {'yes' if persistent else 'no'}",
        f'dir "{run_dir}"',
        f'logfile "{run_dir / f"redis-{port}.log"}"',
    ]
    url = f"redis://127.0.0.1:{port}/0"
    users = users or {}
    if users and admin_password is None:
        raise ValueError("users need an administrator password")
    if admin_password is not None:
        settings += acl_lines(users, admin_password=admin_password)
        url = user_url(url, ADMIN_USER, admin_password)
    configuration = run_dir / f"redis-{port}.conf"
    descriptor = os.open(configuration, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write("\n".join(settings) + "\n")
    process = subprocess.Popen(
        [binary, str(configuration)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_ping(url, process)
    finally:
        # Read once at start; nothing of it (password digests included) stays behind.
        configuration.unlink(missing_ok=True)
    user_urls = {service: user_url(url, service, password) for service, password in users.items()}
    return RedisEndpoint(url=url, origin="redis-server", process=process, user_urls=user_urls)


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


def find_redis(
    run_dir: Path,
    *,
    environ: Mapping[str, str] | None = None,
    users: Mapping[str, str] | None = None,
    admin_password: str | None = None,
) -> RedisEndpoint:
    """The Redis to use, by the order in this module's docstring; one this starts keeps its data
    under `run_dir` and has the `users` (service → password) when an `admin_password` is given."""
    env = os.environ if environ is None else environ
    if env.get("REDIS_URL"):
        return RedisEndpoint(url=env["REDIS_URL"], origin="env")
    if shutil.which("redis-server"):
        return start_redis_server(
            run_dir, users=users, admin_password=admin_password, persistent=True
        )
    if answers_ping(DEFAULT_LOCAL_REDIS):
        return RedisEndpoint(url=DEFAULT_LOCAL_REDIS, origin="local")
    log.warning(
        "redis.fallback.fakeredis",
        extra={"detail": "no Redis found: serving an in-process fakeredis, for demos only"},
    )
    return start_fake_redis_server()
