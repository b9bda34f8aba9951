"""Each service's Redis user reaches its own keys and nothing else, on a real redis-server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from trivium.redis_discovery import RedisEndpoint, start_redis_server
from trivium.redis_users import GRANTS, acl_rule, user_url

PASSWORDS = {service: f"{service}-password-0123456789abcdef" for service in GRANTS}
ADMIN_PASSWORD = "admin-password-0123456789abcdef"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisEndpoint]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not on PATH")
    endpoint = start_redis_server(
        tmp_path_factory.mktemp("redis-users"), users=PASSWORDS, admin_password=ADMIN_PASSWORD
    )
    yield endpoint
    endpoint.stop()


def client_of(server: RedisEndpoint, service: str) -> redis.Redis:
    return redis.Redis.from_url(server.user_urls[service])


class TestGrants:
    def test_a_service_reads_and_writes_its_own_keys(self, server: RedisEndpoint) -> None:
        orders = client_of(server, "quote-to-order")
        orders.set("{quote-to-order}:order:1", "saved")
        assert orders.get("{quote-to-order}:order:1") == b"saved"
        orders.set("trivium:idempotency:quote-to-order:abc", "answer")
        orders.close()

    def test_another_services_keys_are_refused(self, server: RedisEndpoint) -> None:
        mobile = client_of(server, "mobile-experience")
        with pytest.raises(redis.exceptions.NoPermissionError):
            mobile.get("{quote-to-order}:order:1")
        with pytest.raises(redis.exceptions.NoPermissionError):
            mobile.set("trivium:idempotency:quote-to-order:abc", "forged")
        mobile.close()

    def test_a_script_cannot_reach_past_the_grant(self, server: RedisEndpoint) -> None:
        sync = client_of(server, "customer-sync")
        script = "return redis.call('GET', KEYS[1])"
        assert sync.eval(script, 1, "{customer-sync}:lease") is None
        with pytest.raises(redis.exceptions.NoPermissionError):
            sync.eval(script, 1, "trivium:salesforce:session:client")
        sync.close()

    def test_the_gateway_reads_the_budget_and_cannot_change_it(self, server: RedisEndpoint) -> None:
        salesforce = client_of(server, "salesforce-system")
        salesforce.hset("trivium:salesforce:api-budget", mapping={"remaining": 900})
        gateway = client_of(server, "gateway")
        assert gateway.hget("trivium:salesforce:api-budget", "remaining") == b"900"
        with pytest.raises(redis.exceptions.NoPermissionError):
            gateway.hset("trivium:salesforce:api-budget", "remaining", 1_000_000)
        gateway.incr("trivium:quota:{partner-1}:second")
        salesforce.close()
        gateway.close()

    def test_no_service_may_reconfigure_or_empty_the_server(self, server: RedisEndpoint) -> None:
        for service in GRANTS:
            client = client_of(server, service)
            for command in (("FLUSHALL",), ("CONFIG", "GET", "*"), ("KEYS", "*"), ("ACL", "LIST")):
                with pytest.raises(redis.exceptions.NoPermissionError):
                    client.execute_command(*command)  # type: ignore[no-untyped-call]
            client.close()


class TestSignIn:
    def test_without_a_password_nothing_is_answered(self, server: RedisEndpoint) -> None:
        anonymous = redis.Redis.from_url(server.address)
        with pytest.raises(redis.exceptions.AuthenticationError):
            anonymous.get("{quote-to-order}:order:1")
        anonymous.close()

    def test_a_wrong_password_is_refused(self, server: RedisEndpoint) -> None:
        wrong = redis.Redis.from_url(user_url(server.address, "gateway", "guess"))
        with pytest.raises(redis.exceptions.AuthenticationError):
            wrong.ping()
        wrong.close()

    def test_the_administrator_sees_everything(self, server: RedisEndpoint) -> None:
        admin = redis.Redis.from_url(server.url)
        assert admin.get("{quote-to-order}:order:1") == b"saved"
        admin.close()


class TestRules:
    def test_a_rule_keeps_only_the_passwords_digest(self) -> None:
        rule = acl_rule("gateway", "a-secret-password")
        assert "a-secret-password" not in rule
        assert "%R~trivium:salesforce:api-budget" in rule
        assert "~trivium:idempotency:gateway:*" in rule

    def test_credentials_are_quoted_in_urls(self) -> None:
        url = user_url("redis://old:pw@127.0.0.1:6379/2", "erp-system", "p@ss/word")
        assert url == "redis://erp-system:p%40ss%2Fword@127.0.0.1:6379/2"


def test_no_configuration_stays_on_disk(server: RedisEndpoint) -> None:
    assert server.process is not None
    configuration = Path(str(server.process.args[1]))  # type: ignore[index]
    assert configuration.suffix == ".conf"
    assert not configuration.exists()
