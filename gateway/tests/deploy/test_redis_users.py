"""deploy/redis_users.py: the Redis users of a deployment, loaded by a real redis-server."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import redis

from trivium.redis_discovery import _wait_for_ping, free_port
from trivium.redis_users import ADMIN_USER, GRANTS, user_url

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


class TestEnsureRedisUsers:
    def test_a_password_per_service_and_the_administrator(self, redis_users, tmp_path):
        passwords = redis_users.ensure_redis_users(tmp_path)

        folder = tmp_path / "redis-users"
        assert set(passwords) == {ADMIN_USER, *GRANTS}
        assert len(set(passwords.values())) == len(passwords)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for user in passwords:
            assert stat.S_IMODE((folder / user).stat().st_mode) == 0o600, user
        acl = (folder / "users.acl").read_text()
        assert not any(password in acl for password in passwords.values())

    def test_a_second_run_keeps_them(self, redis_users, tmp_path):
        first = redis_users.ensure_redis_users(tmp_path)
        assert redis_users.ensure_redis_users(tmp_path) == first

    def test_compose_variables_join_the_env_file(self, redis_users, tmp_path):
        env_file = tmp_path / ".env"
        env_file.write_text("OTHER=kept\nREDIS_PASSWORD_GATEWAY=old\n")
        passwords = redis_users.ensure_redis_users(tmp_path)

        redis_users.update_env_file(env_file, passwords)

        lines = env_file.read_text().splitlines()
        assert "OTHER=kept" in lines
        assert f"REDIS_PASSWORD_GATEWAY={passwords['gateway']}" in lines
        assert "REDIS_PASSWORD_GATEWAY=old" not in lines
        assert f"REDIS_PASSWORD_QUOTE_TO_ORDER={passwords['quote-to-order']}" in lines

    def test_redis_server_loads_the_acl_file(self, redis_users, tmp_path):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not on PATH")
        passwords = redis_users.ensure_redis_users(tmp_path)
        port = free_port()
        address = f"redis://127.0.0.1:{port}/0"
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir",
             str(tmp_path), "--aclfile", str(tmp_path / "redis-users" / "users.acl")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_for_ping(user_url(address, ADMIN_USER, passwords[ADMIN_USER]), process)
            orders = redis.Redis.from_url(
                user_url(address, "quote-to-order", passwords["quote-to-order"])
            )
            orders.set("{quote-to-order}:order:1", "saved")
            with pytest.raises(redis.exceptions.NoPermissionError):
                orders.get("{customer-sync}:lease")
            orders.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
