"""Settings of the local gateway (env prefix `GATEWAY_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from trivium.settings import ServiceSettings

# gateway/src/trivium_gateway/settings.py → gateway/
GATEWAY_DIR = Path(__file__).resolve().parents[2]

PluginMode = Literal["plugin-server", "in-process"]


class GatewaySettings(ServiceSettings):
    """Which kong.yml and plugins to run, how to run the Python plugins, how to reach upstreams."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    service_name: str = "gateway"
    config_path: Path = Field(
        default=GATEWAY_DIR / "kong.yml", description="The Kong declarative configuration."
    )
    plugins_dir: Path = Field(
        default=GATEWAY_DIR / "plugins", description="Directory of the Python (kong-pdk) plugins."
    )
    plugin_mode: PluginMode = Field(
        default="plugin-server",
        description="plugin-server: Kong's real Python plugin server over its Unix socket "
        "(fidelity); in-process: the plugins loaded into the gateway (speed).",
    )
    plugin_server_concurrency: Literal["gevent", "thread"] = Field(
        default="gevent", description="How the plugin server runs each event."
    )
    plugin_server_socket: str | None = Field(
        default=None,
        description="Socket of a plugin server already running; unset: the gateway starts one.",
    )
    plugin_metrics_dir: Path | None = Field(
        default=None,
        description="Where that already running plugin server writes its metrics "
        "(its PROMETHEUS_MULTIPROC_DIR), to report them on /metrics.",
    )
    plugin_socket_dir: Path | None = Field(
        default=None, description="Where a started plugin server puts its socket (a temp dir)."
    )
    plugin_threads: int = Field(default=16, ge=1, description="Worker threads (in-process mode).")
    plugin_event_timeout_seconds: float = Field(default=10.0, gt=0)
    override_plugin_redis: bool = Field(
        default=True,
        description="Point every plugin at REDIS_URL instead of the Redis named in kong.yml.",
    )
    upstream_max_connections: int = Field(default=512, ge=1)
    upstream_keepalive_seconds: float = Field(
        default=4.0,
        gt=0,
        description="Below the services' 75 s keep-alive so idle connections never race a close.",
    )
    status_host: str = Field(
        default="127.0.0.1",
        description="Address of the status listener (/healthz, /readyz, /metrics), as Kong's "
        "status_listen: keep it private.",
    )
    status_port: int = Field(
        default=8100, ge=0, le=65535, description="Port of the status listener; 0: none."
    )
    buffer_bytes: int = Field(
        default=64 * 1024, ge=0, description="Request bodies up to this size are read at once."
    )
