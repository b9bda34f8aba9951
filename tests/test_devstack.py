"""deploy/local: `make run`'s supervisor (devstack.py) and the demo credentials it shows."""

from __future__ import annotations

import io
import threading
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import jwt
import pytest
import yaml

from trivium.redis_discovery import RedisEndpoint
from trivium_testing.modules import load_module

LOCAL = Path(__file__).resolve().parents[1] / "deploy" / "local"


def load_script(name: str) -> ModuleType:
    """A module of deploy/local, imported as its scripts import each other (by bare name)."""
    return load_module(LOCAL / f"{name}.py", register=True)


local_secrets = load_script("local_secrets")
demo_credentials = load_script("demo_credentials")
devstack = load_script("devstack")


def kong_document(*, maximum_expiration: int = 0) -> dict[str, Any]:
    return {
        "services": [
            {
                "name": "mobile-experience",
                "plugins": [{"name": "jwt", "config": {"maximum_expiration": maximum_expiration}}],
                "routes": [{"name": "mobile-api"}],
            }
        ],
        "consumers": [
            {
                "username": "partner-a",
                "custom_id": "P-1",
                "tags": ["trivium", "partner", "plan-gold"],
                "keyauth_credentials": [{"key": "key-a"}],
            },
            {
                "username": "partner-b",
                "custom_id": "P-2",
                "keyauth_credentials": [{"key": "key-b"}],
            },
            {
                "username": "rep",
                "custom_id": "rep@example.test",
                "tags": ["plan-internal"],
                "jwt_secrets": [{"key": "rep-key", "algorithm": "HS256", "secret": "s" * 32}],
            },
        ],
    }


class TestPartnerKeys:
    def test_every_api_key_with_its_account_and_plan_in_file_order(self) -> None:
        keys = demo_credentials.partner_keys(kong_document())
        assert [(k.username, k.account_number, k.plan, k.key) for k in keys] == [
            ("partner-a", "P-1", "gold", "key-a"),
            ("partner-b", "P-2", None, "key-b"),
        ]

    def test_the_repository_kong_yml_has_one_key_per_plan(self) -> None:
        document = demo_credentials.load_kong_document(demo_credentials.KONG_YML)
        plans = [key.plan for key in demo_credentials.partner_keys(document)]
        assert plans == ["gold", "silver", "bronze"]


class TestKongConfigPath:
    def test_the_gateways_setting_wins(self) -> None:
        path = demo_credentials.kong_config_path({"GATEWAY_CONFIG_PATH": "/etc/kong.yml"})
        assert path == Path("/etc/kong.yml")

    def test_else_the_repositorys(self) -> None:
        assert demo_credentials.kong_config_path({}) == demo_credentials.KONG_YML


class TestRepToken:
    def test_token_names_the_credential_and_is_signed_with_its_secret(self) -> None:
        rep = demo_credentials.rep_credential(kong_document())
        token = demo_credentials.mint_rep_token(rep, now=1_000_000.5, lifetime_seconds=600)
        claims = jwt.decode(token, "s" * 32, algorithms=["HS256"], options={"verify_exp": False})
        assert claims == {
            "iss": "rep-key",
            "sub": "rep@example.test",
            "iat": 1_000_000,
            "nbf": 1_000_000,
            "exp": 1_000_600,
        }

    def test_lifetime_is_capped_by_the_gateways_maximum_expiration(self) -> None:
        rep = demo_credentials.rep_credential(kong_document(maximum_expiration=300))
        assert rep.max_lifetime_seconds == 300
        assert demo_credentials.rep_token_expiry(rep, now=0, lifetime_seconds=3600) == 300

    def test_no_maximum_means_the_lifetime_asked_for(self) -> None:
        rep = demo_credentials.rep_credential(kong_document())
        assert rep.max_lifetime_seconds is None
        assert demo_credentials.rep_token_expiry(rep, now=0, lifetime_seconds=3600) == 3600

    def test_the_repository_rep_token_is_one_the_gateway_accepts(self) -> None:
        document = demo_credentials.load_kong_document(demo_credentials.KONG_YML)
        rep = demo_credentials.rep_credential(document)
        assert rep.max_lifetime_seconds is not None
        lifetime = demo_credentials.rep_token_expiry(rep, now=0)
        assert 0 < lifetime <= rep.max_lifetime_seconds

    def test_a_document_without_a_jwt_credential_is_refused(self) -> None:
        with pytest.raises(LookupError):
            demo_credentials.rep_credential({"consumers": []})


def local_service(name: str, port: int) -> Any:
    return devstack.LocalService(name, f"exec uvicorn --port {port}", port)


def demo_access() -> Any:
    return devstack.DemoAccess(
        partners=demo_credentials.partner_keys(kong_document()),
        rep_username="rep@example.test",
        rep_token="header.claims.signature",
        rep_token_expires=datetime(2030, 1, 1, 13, 5),
    )


class TestChooseLogLevel:
    def test_warnings_only_by_default(self) -> None:
        assert devstack.choose_log_level(None, {}) == "WARNING"

    def test_the_operators_variable_is_kept(self) -> None:
        assert devstack.choose_log_level(None, {"TRIVIUM_LOG_LEVEL": "info"}) == "INFO"

    def test_the_command_line_wins(self) -> None:
        level = devstack.choose_log_level("DEBUG", {"TRIVIUM_LOG_LEVEL": "info"})
        assert level == "DEBUG"

    def test_an_empty_variable_counts_as_unset(self) -> None:
        assert devstack.choose_log_level(None, {"TRIVIUM_LOG_LEVEL": ""}) == "WARNING"


class TestServiceEnvironment:
    def test_services_get_the_chosen_level_and_the_operators_variables(self) -> None:
        environment = devstack.service_environment(
            log_level="INFO",
            environ={"TRIVIUM_LOG_FORMAT": "json", "TRIVIUM_LOG_LEVEL": "DEBUG"},
        )
        assert environment["TRIVIUM_LOG_LEVEL"] == "INFO"
        assert environment["TRIVIUM_LOG_FORMAT"] == "json"

    def test_a_found_redis_is_shared_as_it_is(self, tmp_path: Path) -> None:
        found = local_secrets.ensure_local_secrets(["erp-system"], tmp_path)
        redis = RedisEndpoint(url="redis://127.0.0.1:6390/0", origin="env")
        shared = devstack.service_environment(log_level="INFO", environ={"REDIS_URL": redis.url})
        service = devstack.LocalService("erp-system", "true", 1)
        env = devstack.process_environment(shared, found, service, redis=redis)
        assert env["REDIS_URL"] == "redis://127.0.0.1:6390/0"

    def test_on_a_redis_with_users_each_service_signs_in_as_its_own(self, tmp_path: Path) -> None:
        found = local_secrets.ensure_local_secrets(["erp-system"], tmp_path)
        users = {"erp-system": "redis://erp-system:secret@127.0.0.1:6390/0"}
        redis = RedisEndpoint(
            url="redis://default:the-admin-password@127.0.0.1:6390/0",
            origin="redis-server",
            user_urls=users,
        )
        shared = devstack.service_environment(log_level="INFO", environ={})
        erp, emulator = (
            devstack.process_environment(
                shared, found, devstack.LocalService(name, "true", 1), redis=redis
            )
            for name in ("erp-system", "s4hana-emulator")
        )
        assert erp["REDIS_URL"] == users["erp-system"]
        assert "REDIS_URL" not in emulator
        assert "the-admin-password" not in " ".join(shared.values())
        table = devstack.closing_table([], redis=redis, access=demo_access(), log_level="WARNING")
        assert "redis://127.0.0.1:6390/0" in table
        assert "the-admin-password" not in table

    def test_the_gateways_redis_url_is_written_for_the_cli_alone(self, tmp_path: Path) -> None:
        found = local_secrets.ensure_local_secrets(["gateway"], tmp_path)
        users = {"gateway": "redis://gateway:secret@127.0.0.1:6390/0"}
        redis = RedisEndpoint(
            url="redis://default:admin@127.0.0.1:6390/0", origin="redis-server", user_urls=users
        )
        path = devstack.record_gateway_redis(redis, found)
        assert path.read_text().strip() == users["gateway"]
        assert path.stat().st_mode & 0o777 == 0o600


class TestLocalSecrets:
    def test_the_first_run_generates_keys_and_credentials(self, tmp_path: Path) -> None:
        found = local_secrets.ensure_local_secrets(["gateway", "erp-system"], tmp_path)
        for service in ("gateway", "erp-system", "operator"):
            assert found.key_file(service).stat().st_mode & 0o077 == 0
            assert (found.trusted_dir / f"{service}.pem").exists()
        credentials = found.credentials()
        assert credentials["S4_EMULATOR_PASSWORD"] == credentials["ERP_SYSTEM_PASSWORD"]
        assert credentials["SF_EMULATOR_CLIENT_SECRET"] == credentials["SF_SYSTEM_CLIENT_SECRET"]
        assert credentials["SF_EMULATOR_ADMIN_TOKEN"] != credentials["S4_EMULATOR_ADMIN_TOKEN"]
        assert all(len(value) >= 32 for name, value in credentials.items() if "PATH" not in name)
        assert found.env_file.stat().st_mode & 0o077 == 0

    def test_later_runs_keep_them(self, tmp_path: Path) -> None:
        first = local_secrets.ensure_local_secrets(["gateway"], tmp_path)
        key, credentials = first.key_file("gateway").read_bytes(), first.credentials()
        again = local_secrets.ensure_local_secrets(["gateway"], tmp_path)
        assert again.key_file("gateway").read_bytes() == key
        assert again.credentials() == credentials

    def test_installations_differ(self, tmp_path: Path) -> None:
        one = local_secrets.ensure_local_secrets(["gateway"], tmp_path / "one")
        two = local_secrets.ensure_local_secrets(["gateway"], tmp_path / "two")
        assert one.key_file("gateway").read_bytes() != two.key_file("gateway").read_bytes()
        assert (
            one.credentials()["SF_EMULATOR_ADMIN_TOKEN"]
            != (two.credentials()["SF_EMULATOR_ADMIN_TOKEN"])
        )

    def test_each_service_gets_its_own_key_and_the_credentials(self, tmp_path: Path) -> None:
        found = local_secrets.ensure_local_secrets(["gateway", "erp-system"], tmp_path)
        redis = RedisEndpoint(url="redis://127.0.0.1:6390/0", origin="env")
        shared = devstack.service_environment(
            log_level="INFO", environ={}, credentials=found.credentials()
        )
        services = [devstack.LocalService(name, "true", 1) for name in ("gateway", "erp-system")]
        gateway, erp = (
            devstack.process_environment(shared, found, s, redis=redis) for s in services
        )
        assert gateway["TRIVIUM_SERVICE_KEY_FILE"].endswith("gateway.pem")
        assert erp["TRIVIUM_SERVICE_KEY_FILE"].endswith("erp-system.pem")
        assert gateway["TRIVIUM_TRUSTED_KEYS"] == erp["TRIVIUM_TRUSTED_KEYS"]
        assert erp["ERP_SYSTEM_PASSWORD"] == found.credentials()["ERP_SYSTEM_PASSWORD"]

    def test_on_netsuite_the_erp_system_api_signs_in_to_its_emulator(self, tmp_path: Path) -> None:
        credentials = local_secrets.ensure_local_secrets(["erp-system"], tmp_path).credentials()
        on_s4, on_netsuite = (
            devstack.service_environment(
                log_level="INFO", environ={}, credentials=credentials, erp=erp
            )
            for erp in ("s4hana", "netsuite")
        )
        assert on_s4["ERP_SYSTEM_BACKEND"] == "s4hana"
        assert on_netsuite["ERP_SYSTEM_BACKEND"] == "netsuite"
        assert on_netsuite["NETSUITE_BASE_URL"] == "http://127.0.0.1:8403"
        for name in ("CONSUMER_KEY", "CONSUMER_SECRET", "TOKEN_ID", "TOKEN_SECRET"):
            assert on_netsuite[f"NETSUITE_{name}"] == on_netsuite[f"NS_EMULATOR_{name}"]

    def test_an_operator_token_is_signed_with_the_operators_key(self, tmp_path: Path) -> None:
        found = local_secrets.ensure_local_secrets(["customer-sync"], tmp_path)
        environ = {"TRIVIUM_OPERATOR_KEY_FILE": str(found.key_file("operator"))}
        token = demo_credentials.mint_operator_token("customer-sync", environ)
        assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
        claims = jwt.decode(token, options={"verify_signature": False})
        assert (claims["iss"], claims["roles"]) == ("operator", ["operator"])


class TestReadyLines:
    def test_ready_line_names_the_service_its_url_and_the_time_it_took(self) -> None:
        line = devstack.ready_line(local_service("quote-to-order", 8201), 2.34)
        assert line.split() == ["ready", "quote-to-order", "http://127.0.0.1:8201", "(2.3", "s)"]

    def test_not_ready_line_says_where_to_look(self) -> None:
        line = devstack.not_ready_line(local_service("erp-system", 8302), 60.0)
        assert line.split()[:3] == ["NOT", "READY", "erp-system"]
        assert "after 60 s" in line
        assert "LOG=info" in line


class TestClosingTable:
    def render(self, *, log_level: str = "WARNING") -> str:
        services = [local_service("erp-system", 8302), local_service("gateway", 8000)]
        redis = RedisEndpoint(url="redis://127.0.0.1:6379/0", origin="local")
        table: str = devstack.closing_table(
            services, redis=redis, access=demo_access(), log_level=log_level
        )
        return table

    def test_services_are_listed_from_the_gateway_down(self) -> None:
        lines = self.render().splitlines()
        gateway = lines.index("  gateway                    http://127.0.0.1:8000")
        assert lines[gateway + 1] == "  erp-system                 http://127.0.0.1:8302"

    def test_redis_and_credentials_are_shown(self) -> None:
        table = self.render()
        assert "Redis: redis://127.0.0.1:6379/0" in table
        assert "gold    P-1      key-a" in table
        assert "REP_TOKEN=header.claims.signature" in table
        assert "valid until 13:05" in table

    def test_commands_go_through_the_gateway_with_the_first_key(self) -> None:
        table = self.render()
        assert "curl -H 'apikey: key-a' http://127.0.0.1:8000/partner/v1/account" in table
        assert 'curl -H "Authorization: Bearer $REP_TOKEN" http://127.0.0.1:8000/mobile' in table
        assert "http://127.0.0.1:8000/partner/ " in table
        assert "make demo" in table

    def test_it_ends_with_how_to_see_more_and_how_to_stop(self) -> None:
        lines = self.render().rstrip().splitlines()
        assert "LOG=info" in lines[-2]
        assert lines[-1] == "Ctrl-C stops everything."

    def test_at_debug_there_is_nothing_more_to_ask_for(self) -> None:
        assert "LOG=" not in self.render(log_level="DEBUG")


class TestReportReadiness:
    def test_a_service_not_ready_in_time_is_named_before_the_table(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(devstack, "READY_TIMEOUT_SECONDS", 0.0)
        out = io.StringIO()
        devstack.report_readiness(
            [local_service("erp-system", 8302)],
            out,
            started=0.0,
            stopping=threading.Event(),
            closing="TABLE",
        )
        lines = out.getvalue().splitlines()
        assert lines[0].split()[:3] == ["NOT", "READY", "erp-system"]
        assert lines[-1] == "TABLE"


class TestScaledOut:
    PROCFILE = [
        devstack.LocalService("salesforce-emulator", "uvicorn x --port 8401", 8401),
        devstack.LocalService("quote-to-order", "uvicorn y --port 8201 --no-access-log", 8201),
        devstack.LocalService("gateway", "uvicorn z --port=8000", 8000),
    ]

    def test_one_replica_is_the_procfile_as_it_is(self) -> None:
        assert devstack.scaled_out(self.PROCFILE, 1) == (self.PROCFILE, [])

    def test_each_service_gets_replicas_on_ports_of_their_own_and_emulators_stay_single(
        self,
    ) -> None:
        processes, pools = devstack.scaled_out(self.PROCFILE, 2)
        assert [(p.name, p.port, p.service) for p in processes] == [
            ("salesforce-emulator", 8401, "salesforce-emulator"),
            ("quote-to-order.1", 18201, "quote-to-order"),
            ("quote-to-order.2", 28201, "quote-to-order"),
            ("gateway.1", 18000, "gateway"),
            ("gateway.2", 28000, "gateway"),
        ]
        assert processes[2].command == "uvicorn y --port 28201 --no-access-log"
        assert [(pool.name, pool.port, list(pool.replica_ports)) for pool in pools] == [
            ("quote-to-order", 8201, [18201, 28201]),
            ("gateway", 8000, [18000, 28000]),
        ]

    def test_replicas_share_their_services_key_and_redis_user_but_not_a_status_port(
        self, tmp_path: Path
    ) -> None:
        found = local_secrets.ensure_local_secrets(["gateway"], tmp_path)
        users = {"gateway": "redis://gateway:secret@127.0.0.1:6390/0"}
        redis = RedisEndpoint(
            url="redis://127.0.0.1:6390/0", origin="redis-server", user_urls=users
        )
        shared = devstack.service_environment(log_level="INFO", environ={})
        processes, _ = devstack.scaled_out(self.PROCFILE[2:], 2)
        first, second = (
            devstack.process_environment(shared, found, replica, redis=redis)
            for replica in processes
        )
        assert first["REDIS_URL"] == second["REDIS_URL"] == users["gateway"]
        assert first["TRIVIUM_SERVICE_KEY_FILE"] == second["TRIVIUM_SERVICE_KEY_FILE"]
        assert (first["GATEWAY_STATUS_PORT"], second["GATEWAY_STATUS_PORT"]) == ("18100", "28100")

    def test_prometheus_scrapes_every_replica_on_its_own_port(self, tmp_path: Path) -> None:
        procfile = devstack.read_procfile(LOCAL / "Procfile")
        processes, _ = devstack.scaled_out(procfile, 2)
        written = devstack.write_prometheus_config(processes, tmp_path / "prometheus.yml")
        config = yaml.safe_load(written.read_text())
        scraped = {
            job["job_name"]: sorted(
                target for static in job["static_configs"] for target in static["targets"]
            )
            for job in config["scrape_configs"]
        }
        assert scraped["quote-to-order"] == ["127.0.0.1:18201", "127.0.0.1:28201"]
        assert scraped["gateway"] == ["127.0.0.1:18100", "127.0.0.1:28100"]
        # Emulators stay single; workers-only processes keep their documented ports.
        assert scraped["s4hana-emulator"] == ["127.0.0.1:8402"]
        assert scraped["quote-to-order-worker"] == ["127.0.0.1:9201"]
        assert all(Path(rules).is_file() for rules in config["rule_files"])

    def test_the_closing_table_says_how_many_replicas_run(self) -> None:
        redis = RedisEndpoint(url="redis://127.0.0.1:6390/0", origin="env")
        table = devstack.closing_table(
            self.PROCFILE, redis=redis, access=demo_access(), log_level="WARNING", scale=2
        )
        assert "2 replicas of every service" in table
