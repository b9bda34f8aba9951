"""Redis discovery: the order of preference, and servers started on demand."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import redis

from trivium.redis_discovery import (
    RedisEndpoint,
    RedisNotFound,
    answers_ping,
    find_redis,
    free_port,
    start_fake_redis_server,
    start_redis_server,
)
from trivium_testing.redis_cluster import RedisClusterServer


class TestFindRedis:
    def test_redis_url_from_the_environment_wins(self, tmp_path: Path) -> None:
        endpoint = find_redis(tmp_path, environ={"REDIS_URL": "redis://example.invalid:1/0"})
        assert endpoint.url == "redis://example.invalid:1/0"
        assert endpoint.origin == "env"

    def test_an_installed_redis_server_is_started_with_a_user_per_service(
        self, tmp_path: Path
    ) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not on PATH")
        endpoint = find_redis(
            tmp_path, environ={}, users={"erp-system": "erp-password"}, admin_password="admin"
        )
        try:
            assert endpoint.origin == "redis-server"
            assert endpoint.url_for("erp-system") == endpoint.user_urls["erp-system"]
            assert endpoint.url_for("s4hana-emulator") is None
            assert answers_ping(endpoint.user_urls["erp-system"])
        finally:
            endpoint.stop()

    def test_without_redis_server_a_running_local_redis_is_used(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        if not answers_ping("redis://127.0.0.1:6379/0"):
            pytest.skip("no Redis on 127.0.0.1:6379 on this machine")
        monkeypatch.setattr(shutil, "which", lambda name: None)
        endpoint = find_redis(tmp_path, environ={})
        assert endpoint.origin == "local"
        assert endpoint.process is None
        assert endpoint.url_for("erp-system") == endpoint.url


class TestStartRedisServer:
    def test_private_server_answers_and_stops(self, tmp_path: Path) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not on PATH")
        endpoint = start_redis_server(tmp_path)
        try:
            assert answers_ping(endpoint.url)
            assert endpoint.origin == "redis-server"
        finally:
            endpoint.stop()
        assert endpoint.process is not None
        assert endpoint.process.poll() is not None
        assert not answers_ping(endpoint.url, timeout=0.2)


class TestStartFakeRedisServer:
    def test_fake_server_speaks_the_redis_protocol(self) -> None:
        endpoint = start_fake_redis_server(port=free_port())
        client = redis.Redis.from_url(endpoint.url)
        try:
            client.set("greeting", "hello")
            assert client.get("greeting") == b"hello"
            client.xadd("stream", {"field": "value"})
            assert client.xlen("stream") == 1
        finally:
            client.close()
            endpoint.stop()

    def test_without_fakeredis_installed_the_error_says_what_to_install(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "fakeredis", None)
        with pytest.raises(RedisNotFound, match=r"install trivium\[fakeredis\] or redis-server"):
            start_fake_redis_server(port=free_port())


class TestAnswersPing:
    def test_a_single_server(self, redis_endpoint: RedisEndpoint) -> None:
        assert answers_ping(redis_endpoint.url)

    def test_nothing_listening(self) -> None:
        assert not answers_ping(f"redis://127.0.0.1:{free_port()}/0")

    @pytest.mark.cluster
    def test_a_cluster(self, redis_cluster: RedisClusterServer) -> None:
        assert answers_ping(redis_cluster.url)

    def test_a_cluster_that_does_not_answer(self) -> None:
        assert not answers_ping(f"redis+cluster://127.0.0.1:{free_port()}")
