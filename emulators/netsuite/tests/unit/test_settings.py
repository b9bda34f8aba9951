"""The emulator's settings: generated credentials, and never in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from netsuite_emulator.settings import NetSuiteEmulatorSettings


class TestSettings:
    def test_refuses_production(self) -> None:
        with pytest.raises(ValidationError, match="never runs in production"):
            NetSuiteEmulatorSettings(environment="production")

    def test_credentials_are_generated_per_installation(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for name in ("CONSUMER_KEY", "CONSUMER_SECRET", "TOKEN_ID", "TOKEN_SECRET", "ADMIN_TOKEN"):
            monkeypatch.delenv(f"NS_EMULATOR_{name}", raising=False)
        first, second = NetSuiteEmulatorSettings(), NetSuiteEmulatorSettings()
        assert first.consumer_key != second.consumer_key
        assert first.token_id != second.token_id
        assert first.consumer_secret.get_secret_value() != second.consumer_secret.get_secret_value()
        assert first.token_secret.get_secret_value() != second.token_secret.get_secret_value()
        assert first.admin_token.get_secret_value() != second.admin_token.get_secret_value()
        assert first.oauth2_certificate_path is None

    def test_realm(self) -> None:
        assert NetSuiteEmulatorSettings(account_id="1234567_sb1").realm == "1234567_SB1"
