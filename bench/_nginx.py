"""nginx as a plain reverse proxy: the reference for what one proxy hop costs on this machine.

Uses the `nginx` binary from the system (Debian's `nginx` package) when there is one; benchmarks
report the comparison as unavailable otherwise. One worker process, keep-alive to the upstream,
no access log: the cheapest sensible production proxy.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from trivium.redis_discovery import free_port

CONFIG = """worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  upstream app {{ server {upstream}; keepalive 128; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
    }}
  }}
}}
"""


@dataclass
class Nginx:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(path).exists()),
        None,
    )


def start_nginx(upstream_url: str, folder: Path, *, ready_path: str = "/readyz") -> Nginx | None:
    """nginx proxying to `upstream_url` on a free loopback port, or None without an nginx."""
    binary = nginx_binary()
    if binary is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    parts = urlsplit(upstream_url)
    config = folder / "nginx.conf"
    config.write_text(CONFIG.format(folder=folder, upstream=parts.netloc, port=port))
    process = subprocess.Popen(
        [binary, "-c", str(config), "-p", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    nginx = Nginx(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None
        try:
            if httpx.get(nginx.url + ready_path, timeout=1).status_code == 200:
                return nginx
        except httpx.TransportError:
            time.sleep(0.05)
    nginx.stop()
    return None
