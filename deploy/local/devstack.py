"""`make run`: find or start Redis, start every service in the Procfile, say when each is ready,
then print what to try: the URLs, the demo credentials and a few commands.

On the first run it generates this installation's secrets (`local_secrets.py`): a signing key per
service under `.run/secrets/`, and the emulators' credentials in `.run/secrets.env`; each service
gets its own key, the trusted public keys and those credentials. A Redis this script starts
(under `.run/redis/`, its data kept between runs) has one user per service, limited to that
service's keys, each service signing in as its own.

Processes are supervised by honcho (prefixed, coloured logs; Ctrl-C or SIGTERM stops the whole
process group of every service). A Redis this script started is stopped when it exits.

`--scale N` (`make run SCALE=2`) runs N replicas of every service and of the gateway (the
emulators stay single: they stand in for one Salesforce org and one SAP system), each replica on
its service's port + 10000 x its number (quote-to-order: 18201, 28201), and HAProxy on the
service's own port in front of them (`trivium.load_balancer`), so every address stays the same.
Services log warnings and errors only, unless `--log-level` (`make run LOG=info`) or
TRIVIUM_LOG_LEVEL asks for more. `--erp netsuite` (`make run ERP=netsuite`) runs the ERP System
API on the NetSuite emulator instead of the S/4HANA one (both emulators run either way).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

import httpx
import yaml
from demo_credentials import (
    GATEWAY_URL,
    PartnerKey,
    kong_config_path,
    load_kong_document,
    mint_rep_token,
    partner_keys,
    rep_credential,
    rep_token_expiry,
)
from honcho.environ import parse_procfile
from honcho.manager import Manager
from honcho.printer import Printer
from local_secrets import LocalSecrets, ensure_local_secrets

from trivium.load_balancer import Pool, haproxy_binary, haproxy_command, write_haproxy_config
from trivium.redis_discovery import RedisEndpoint, RedisNotFound, RedisOrigin, find_redis

ROOT = Path(__file__).resolve().parents[2]
PROCFILE = Path(__file__).with_name("Procfile")
READY_TIMEOUT_SECONDS = 60.0
LOG_LEVEL_ENV = "TRIVIUM_LOG_LEVEL"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_LOG_LEVEL = "WARNING"
# A replica listens on its service's port + this x its number (1, 2, ...).
REPLICA_PORT_STEP = 10_000
PROMETHEUS_CONFIG = ROOT / "deploy" / "observability" / "prometheus" / "prometheus.yml"
MAX_SCALE = 5
# The gateway's status listener (/readyz, /metrics): Kong's 8100, one per replica.
GATEWAY_STATUS_PORT = 8100
# The ERP System API's settings for each ERP the stack can run on; both emulators always run.
ERP_SETTINGS = {
    "s4hana": {"ERP_SYSTEM_BACKEND": "s4hana", "ERP_SYSTEM_BASE_URL": "http://127.0.0.1:8402"},
    "netsuite": {"ERP_SYSTEM_BACKEND": "netsuite", "NETSUITE_BASE_URL": "http://127.0.0.1:8403"},
}
# The Procfile name of the gateway, and its Redis user.
GATEWAY = "gateway"
REDIS_ORIGINS: dict[RedisOrigin, str] = {
    "env": "REDIS_URL",
    "local": "the one already running here",
    "redis-server": "started for this run",
    "fakeredis": "in-process fakeredis, for demos only",
}


@dataclass(frozen=True)
class LocalService:
    """One Procfile entry (or one replica of it) and the loopback port it listens on."""

    name: str
    command: str
    port: int
    # The service this is a replica of (its key, its Redis user); None: the entry itself.
    replica_of: str | None = None
    env: Mapping[str, str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service(self) -> str:
        return self.replica_of or self.name

    @property
    def is_emulator(self) -> bool:
        return self.name.endswith("-emulator")


def replicas_of(service: LocalService, scale: int) -> list[LocalService]:
    """`scale` replicas of `service`, each on its own port (see the module's docstring)."""
    replicas = []
    for number in range(1, scale + 1):
        port = service.port + REPLICA_PORT_STEP * number
        command = re.sub(r"--port[ =]\d+", f"--port {port}", service.command)
        env = None
        if service.name == GATEWAY:
            status_port = GATEWAY_STATUS_PORT + REPLICA_PORT_STEP * number
            env = {"GATEWAY_STATUS_PORT": str(status_port)}
        replicas.append(
            LocalService(
                f"{service.name}.{number}", command, port, replica_of=service.name, env=env
            )
        )
    return replicas


def scaled_out(
    services: Sequence[LocalService], scale: int
) -> tuple[list[LocalService], list[Pool]]:
    """The processes to run for `scale` replicas of each service (emulators stay single), and
    the load balancer's pools: each service's own port in front of its replicas."""
    if scale == 1:
        return list(services), []
    processes: list[LocalService] = []
    pools = []
    for service in services:
        if service.is_emulator:
            processes.append(service)
            continue
        replicas = replicas_of(service, scale)
        processes += replicas
        pools.append(Pool(service.name, service.port, [replica.port for replica in replicas]))
    return processes, pools


def metrics_target(process: LocalService) -> str:
    """Where Prometheus scrapes a replica: its port, or a gateway's status listener."""
    port = (process.env or {}).get("GATEWAY_STATUS_PORT", process.port)
    return f"127.0.0.1:{port}"


def write_prometheus_config(processes: Sequence[LocalService], path: Path) -> Path:
    """deploy/observability/prometheus/prometheus.yml for the processes of this run, at `path`
    (which `make observe` prefers): each replica a target of its service's job, so that a scaled
    run is seen replica by replica rather than through HAProxy; rule files by absolute path."""
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    config["rule_files"] = [str(PROMETHEUS_CONFIG.parent / name) for name in config["rule_files"]]
    replicas: dict[str, list[str]] = {}
    for process in processes:
        if process.replica_of is not None:
            replicas.setdefault(process.replica_of, []).append(metrics_target(process))
    for job in config["scrape_configs"]:
        if job["job_name"] in replicas:
            job["static_configs"] = [{"targets": replicas[job["job_name"]]}]
    path.write_text(
        "# Written by `make run` for the processes it runs; `make observe` reads it.\n"
        + yaml.safe_dump(config, sort_keys=False)
    )
    return path


@dataclass(frozen=True)
class DemoAccess:
    """What the closing table shows of the gateway's demo credentials."""

    partners: Sequence[PartnerKey]
    rep_username: str
    rep_token: str
    rep_token_expires: datetime


def read_procfile(path: Path) -> list[LocalService]:
    """The services of the Procfile, each with the `--port` its command names."""
    services = []
    for name, command in parse_procfile(path.read_text()).processes.items():
        port = re.search(r"--port[ =](\d+)", command)
        if port is None:
            raise SystemExit(f"{path}: the command of {name!r} names no --port")
        services.append(LocalService(name, command, int(port.group(1))))
    return services


def choose_log_level(requested: str | None, environ: Mapping[str, str]) -> str:
    """The services' log level: `--log-level` first, then TRIVIUM_LOG_LEVEL, else warnings."""
    return (requested or environ.get(LOG_LEVEL_ENV) or DEFAULT_LOG_LEVEL).upper()


def service_environment(
    *,
    log_level: str,
    environ: Mapping[str, str] = os.environ,
    credentials: Mapping[str, str] | None = None,
    erp: str = "s4hana",
) -> dict[str, str]:
    """The environment every local service starts with: the generated `credentials`, then the
    operator's own variables (which win); each service's Redis URL is its own
    (`process_environment`)."""
    defaults = {
        "TRIVIUM_LOG_FORMAT": "text",
        "TRIVIUM_RUN_DIR": str(ROOT / ".run"),
        # Spans as JSON lines, one file per service, for `trivium trace` (no collector needed).
        "TRIVIUM_TRACES_DIR": str(ROOT / ".run" / "traces"),
        # An ERP change reaches Salesforce within seconds locally (production polls every 30 s).
        "CUSTOMER_SYNC_ERP_POLL_SECONDS": "5",
    }
    shared = {
        **defaults,
        **ERP_SETTINGS[erp],
        **(credentials or {}),
        **environ,
        LOG_LEVEL_ENV: log_level,
    }
    shared.pop("REDIS_URL", None)
    return {**shared, "PYTHON": sys.executable}


def process_environment(
    environment: Mapping[str, str],
    secrets: LocalSecrets,
    service: LocalService,
    *,
    redis: RedisEndpoint,
) -> dict[str, str]:
    """One service's environment: the shared one with its own Redis URL and signing key (unless
    the operator named keys of their own)."""
    redis_url = redis.url_for(service.service)
    own = {"REDIS_URL": redis_url} if redis_url else {}
    own.update(service.env or {})
    if "TRIVIUM_SERVICE_KEY_FILE" in environment:
        return {**environment, **own}
    return {**secrets.service_env(service.service), **environment, **own}


def demo_access(environ: Mapping[str, str], *, now: float) -> DemoAccess:
    """The partner keys of the gateway's kong.yml and a freshly minted sales rep token."""
    document = load_kong_document(kong_config_path(environ))
    rep = rep_credential(document)
    return DemoAccess(
        partners=partner_keys(document),
        rep_username=rep.salesforce_username,
        rep_token=mint_rep_token(rep, now=now),
        rep_token_expires=datetime.fromtimestamp(rep_token_expiry(rep, now=now)),
    )


def ready_line(service: LocalService, seconds: float) -> str:
    return f"  ready      {service.name:<26} {service.url:<22} ({seconds:.1f} s)"


def not_ready_line(service: LocalService, timeout: float) -> str:
    return (
        f"  NOT READY  {service.name:<26} {service.url:<22} after {timeout:.0f} s: "
        f"see its lines above, or run `make run LOG=info`"
    )


def log_hint(log_level: str) -> str:
    if log_level == "DEBUG":
        return "Services log everything, every request and call too."
    if log_level == "INFO":
        return "Services log their events: `make run LOG=debug` adds every request and call."
    shown = "errors" if log_level == "ERROR" else "warnings and errors"
    return f"Services log {shown} only: `make run LOG=info` for their events, LOG=debug for more."


def record_gateway_redis(redis: RedisEndpoint, secrets: LocalSecrets) -> Path:
    """Write down the URL the gateway signs in to Redis with (owner-only: it holds the gateway
    user's password), where `trivium budget` and `trivium quota` look for it."""
    path = secrets.gateway_redis_url_file
    url = redis.url_for(GATEWAY)
    if url:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(url + "\n")
    return path


def closing_table(
    services: Sequence[LocalService],
    *,
    redis: RedisEndpoint,
    access: DemoAccess,
    log_level: str,
    scale: int = 1,
) -> str:
    """What `make run` prints last: URLs, Redis, demo credentials and commands to try."""
    origin = REDIS_ORIGINS[redis.origin]
    if redis.user_urls:
        origin += "; one user per service, passwords in .run/secrets/redis-users.env"
    lines = ["", f"Trivium is running. Redis: {redis.address} ({origin})", ""]
    if scale > 1:
        lines += [
            f"{scale} replicas of every service and of the gateway, HAProxy in front of each on",
            f"the address below (replica n on its port + {REPLICA_PORT_STEP} x n).",
            "",
        ]
    by_tier = sorted(services, key=lambda service: service.port)
    lines += [f"  {service.name:<26} {service.url}" for service in by_tier]
    lines += ["", "Demo credentials (gateway/kong.yml):", "  partner API keys, header `apikey`:"]
    lines += [
        f"    {partner.plan or '-':<7} {partner.account_number:<8} {partner.key}"
        for partner in access.partners
    ]
    expires = access.rep_token_expires.strftime("%H:%M")
    lines += [
        f"  sales rep {access.rep_username}, a JWT valid until {expires}",
        "  (a new one: .venv/bin/python deploy/local/demo_credentials.py):",
        f"    REP_TOKEN={access.rep_token}",
        "",
        "Try (paste the REP_TOKEN line first):",
    ]
    if access.partners:
        key = access.partners[0].key
        lines += [
            f"  curl -H 'apikey: {key}' {GATEWAY_URL}/partner/v1/account",
            f"  curl -H 'apikey: {key}' '{GATEWAY_URL}/partner/v1/catalog?limit=3'",
        ]
    lines += [
        f'  curl -H "Authorization: Bearer $REP_TOKEN" {GATEWAY_URL}/mobile/v1/accounts',
        f"  the partner portal page: {GATEWAY_URL}/partner/ (sign in with a key above)",
        "  make demo",
        "",
        "This installation's keys: .run/secrets/ (one per service); the emulators' credentials",
        "and admin tokens: .run/secrets.env. An operator token for the operator routes:",
        "  .venv/bin/python deploy/local/demo_credentials.py --operator customer-sync",
        "",
        log_hint(log_level),
        "Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def write(out: TextIO, text: str) -> None:
    out.write(text + "\n")
    out.flush()


def is_ready(client: httpx.Client, service: LocalService) -> bool:
    try:
        return client.get(service.url + "/readyz").status_code == 200
    except httpx.TransportError:
        return False


def report_readiness(
    services: Sequence[LocalService],
    out: TextIO,
    *,
    started: float,
    stopping: threading.Event,
    closing: str,
) -> None:
    """Print a line as each service turns ready (or is not after the timeout), then `closing`."""
    pending = {service.name: service for service in services}
    with httpx.Client(timeout=1.0) as client:
        while pending and time.monotonic() - started < READY_TIMEOUT_SECONDS:
            for name, service in list(pending.items()):
                if is_ready(client, service):
                    del pending[name]
                    write(out, ready_line(service, time.monotonic() - started))
            if stopping.wait(0.25):
                return
    for service in pending.values():
        write(out, not_ready_line(service, READY_TIMEOUT_SECONDS))
    write(out, closing)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--procfile", type=Path, default=PROCFILE)
    parser.add_argument(
        "--scale",
        type=int,
        choices=range(1, MAX_SCALE + 1),
        default=1,
        help="replicas of every service and of the gateway, behind HAProxy (default: 1)",
    )
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        help=f"the services' log level (default: ${LOG_LEVEL_ENV}, else {DEFAULT_LOG_LEVEL})",
    )
    parser.add_argument(
        "--erp",
        choices=tuple(ERP_SETTINGS),
        default="s4hana",
        help="the ERP the ERP System API runs on, with its emulator (default: s4hana)",
    )
    args = parser.parse_args()
    run_dir = ROOT / ".run"
    run_dir.mkdir(exist_ok=True)
    services = read_procfile(args.procfile)
    processes, pools = scaled_out(services, args.scale)
    haproxy = haproxy_binary()
    if pools and haproxy is None:
        sys.exit("--scale needs HAProxy: run `make haproxy` (as root) or apt-get install haproxy")
    log_level = choose_log_level(args.log_level, os.environ)
    access = demo_access(os.environ, now=time.time())
    secrets = ensure_local_secrets(service.name for service in services)
    try:
        redis = find_redis(
            run_dir / "redis",
            users=secrets.redis_passwords(),
            admin_password=secrets.redis_admin_password(),
        )
    except RedisNotFound as error:
        sys.exit(str(error))
    if redis.origin == "fakeredis":
        sys.stderr.write(
            "WARNING: no Redis found; serving an in-process fakeredis. It is for demos only: "
            "set REDIS_URL or install redis-server.\n"
        )
    recorded = record_gateway_redis(redis, secrets)
    printer = Printer(sys.stdout)
    manager = Manager(printer)
    environment = service_environment(
        log_level=log_level, credentials=secrets.credentials(), erp=args.erp
    )
    for service in processes:
        env = process_environment(environment, secrets, service, redis=redis)
        manager.add_process(service.name, service.command, env=env, cwd=str(ROOT))
    write_prometheus_config(processes, run_dir / "prometheus.yml")
    if pools and haproxy is not None:
        config = write_haproxy_config(pools, run_dir / "haproxy")
        manager.add_process("load-balancer", " ".join(haproxy_command(haproxy, config)))
    closing = closing_table(
        services, redis=redis, access=access, log_level=log_level, scale=args.scale
    )
    stopping = threading.Event()
    report = {"started": time.monotonic(), "stopping": stopping, "closing": closing}
    threading.Thread(
        target=report_readiness, args=(processes, printer.output), kwargs=report, daemon=True
    ).start()
    try:
        manager.loop()
    finally:
        stopping.set()
        recorded.unlink(missing_ok=True)
        redis.stop()
    return manager.returncode or 0


if __name__ == "__main__":
    raise SystemExit(main())
