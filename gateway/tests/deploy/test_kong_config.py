"""deploy/kong/kong_config.py: kong.yml for the containers, and routes joined with consumers."""

from __future__ import annotations

import stat

import pytest
import yaml

from trivium_gateway.declarative import env_vault, parse_declarative
from trivium_gateway.settings import GATEWAY_DIR


def source():
    return yaml.safe_load((GATEWAY_DIR / "kong.yml").read_text())


def consumers_file(**overrides):
    return {
        "_format_version": "3.0",
        "consumers": [
            {
                "username": "partner-real",
                "custom_id": "P-7000",
                "tags": ["trivium", "partner", "plan-gold"],
                "keyauth_credentials": [{"key": "a-key-made-for-production"}],
            }
        ],
        **overrides,
    }


class TestRender:
    def test_without_consumers(self, kong_config):
        rendered = kong_config.render(source(), consumers=False)

        assert "consumers" not in rendered
        assert rendered["services"][0]["url"] == "http://partner-portal-experience:8102"

    def test_redis_by_reference(self, kong_config):
        text = yaml.safe_dump(kong_config.render(source(), consumers=True))

        assert "redis://127.0.0.1" not in text
        assert "host: 127.0.0.1" not in text
        assert "redis_url: '{vault://env/trivium-redis-url}'" in text
        assert "password: '{vault://env/trivium-redis-password}'" in text

    def test_the_gateway_key_by_reference(self, kong_config):
        rendered = kong_config.render(source(), consumers=True)
        signing = [
            plugin["config"]
            for plugin in kong_config._plugins(rendered)
            if plugin["name"] == "signed-identity"
        ]

        assert signing
        assert {config["private_key_file"] for config in signing} == {
            "{vault://env/trivium-service-key-file}"
        }

    def test_the_source_is_left_as_it_was(self, kong_config):
        document = source()

        kong_config.render(document, consumers=False)

        assert document == source()


class TestAssemble:
    def test_routes_and_consumers_make_one_valid_configuration(
        self, kong_config, plugin_specs, kong_environment
    ):
        routes = kong_config.render(source(), consumers=False)

        assembled = kong_config.assemble(routes, consumers_file())
        config = parse_declarative(
            assembled, plugins=plugin_specs, resolve=env_vault(kong_environment)
        )

        assert [consumer["username"] for consumer in assembled["consumers"]] == ["partner-real"]
        assert config is not None

    def test_routes_that_hold_consumers_are_refused(self, kong_config):
        routes = kong_config.render(source(), consumers=True)

        with pytest.raises(kong_config.ConfigError, match="belong in the Secret"):
            kong_config.assemble(routes, consumers_file())

    def test_a_consumers_file_with_anything_else_is_refused(self, kong_config):
        routes = kong_config.render(source(), consumers=False)

        with pytest.raises(kong_config.ConfigError, match="consumers only"):
            kong_config.assemble(routes, consumers_file(services=[]))

    @pytest.mark.parametrize("listed", [None, [], [{"custom_id": "P-1"}]])
    def test_no_or_nameless_consumers_are_refused(self, kong_config, listed):
        routes = kong_config.render(source(), consumers=False)

        with pytest.raises(kong_config.ConfigError):
            kong_config.assemble(routes, consumers_file(consumers=listed))


class TestCommandLine:
    def test_assemble_writes_a_file_only_its_owner_reads(self, kong_config, tmp_path):
        routes, consumers = tmp_path / "routes.yml", tmp_path / "consumers.yml"
        routes.write_text(yaml.safe_dump(kong_config.render(source(), consumers=False)))
        consumers.write_text(yaml.safe_dump(consumers_file()))
        output = tmp_path / "kong.yml"

        arguments = [
            "--routes",
            str(routes),
            "--consumers",
            str(consumers),
            "--output",
            str(output),
        ]

        status = kong_config.main(["assemble", *arguments])

        assert status == 0
        assert stat.S_IMODE(output.stat().st_mode) == 0o600
        assert yaml.safe_load(output.read_text())["consumers"][0]["username"] == "partner-real"

    def test_a_bad_file_exits_2_with_the_reason(self, kong_config, tmp_path, capsys):
        routes = tmp_path / "routes.yml"
        routes.write_text(yaml.safe_dump(kong_config.render(source(), consumers=True)))

        arguments = ["--routes", str(routes), "--consumers", str(routes)]

        status = kong_config.main(["assemble", *arguments, "--output", str(tmp_path / "kong.yml")])

        assert status == 2
        assert "belong in the Secret" in capsys.readouterr().err
        assert not (tmp_path / "kong.yml").exists()

    def test_render_without_consumers(self, kong_config, tmp_path):
        output = tmp_path / "kong.yml"

        arguments = ["--input", str(GATEWAY_DIR / "kong.yml"), "--output", str(output)]

        status = kong_config.main(["render", *arguments, "--consumers", "none"])

        assert status == 0
        assert output.read_text().startswith("# Generated from gateway/kong.yml")
        assert "consumers" not in yaml.safe_load(output.read_text())
