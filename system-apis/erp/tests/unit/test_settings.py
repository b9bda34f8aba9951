"""Settings: the id sync flows know this ERP system by."""

from __future__ import annotations

from erp_system.settings import ErpSystemSettings


class TestEffectiveSystemId:
    def test_configured(self) -> None:
        settings = ErpSystemSettings(system_id="S4H/100", base_url="https://erp.example:8443")

        assert settings.effective_system_id() == "S4H/100"

    def test_host_and_client_of_the_base_url(self) -> None:
        settings = ErpSystemSettings(base_url="https://ERP.example:8443/", sap_client="200")

        assert settings.effective_system_id() == "erp.example:8443/200"

    def test_host_alone_without_a_client(self) -> None:
        settings = ErpSystemSettings(base_url="https://my1-api.s4hana.cloud.sap", sap_client="")

        assert settings.effective_system_id() == "my1-api.s4hana.cloud.sap"
