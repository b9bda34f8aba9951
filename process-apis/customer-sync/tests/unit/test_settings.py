"""Settings: the field ownership is validated when the service starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from customer_sync_process.domain.ownership import Owner
from customer_sync_process.settings import CustomerSyncSettings


class TestOwnershipSettings:
    def test_override_merges_with_the_defaults(self) -> None:
        settings = CustomerSyncSettings(ownership={"billingAddress": Owner.ERP})

        rules = settings.effective_ownership()

        assert rules["billingAddress"] is Owner.ERP
        assert rules["phone"] is Owner.CRM

    def test_invalid_rules_stop_the_start(self) -> None:
        with pytest.raises(ValidationError, match="creditLimit: owned by salesforce"):
            CustomerSyncSettings(ownership={"creditLimit": Owner.CRM})

    def test_rules_from_a_file(self, tmp_path: Path) -> None:
        rules = tmp_path / "ownership.yaml"
        rules.write_text("phone: latest\n")

        settings = CustomerSyncSettings(ownership_file=rules)

        assert settings.effective_ownership()["phone"] is Owner.LATEST

    def test_invalid_file_stops_the_start(self, tmp_path: Path) -> None:
        rules = tmp_path / "ownership.yaml"
        rules.write_text("fax: erp\n")

        with pytest.raises(ValidationError, match="fax: not a synchronised field"):
            CustomerSyncSettings(ownership_file=rules)


class TestChangeFeedStart:
    def test_now_by_default(self) -> None:
        assert CustomerSyncSettings().cdc_start == "now"

    @pytest.mark.parametrize(("configured", "start"), [("-1", "now"), ("-2", "earliest")])
    def test_the_crms_own_numbers_of_older_releases(self, configured: str, start: str) -> None:
        assert CustomerSyncSettings(cdc_start=configured).cdc_start == start

    def test_anything_else_stops_the_start(self) -> None:
        with pytest.raises(ValidationError, match="cdc_start"):
            CustomerSyncSettings(cdc_start="latest")
