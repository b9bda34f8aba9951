"""Every service's $metadata is EDMX that SAP's own client, pyodata, parses."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree
from pyodata.v2.model import Config, MetadataBuilder

from s4hana_emulator.odata.edmx import render_metadata
from s4hana_emulator.odata.model import ServiceModel
from s4hana_emulator.services import build_services
from s4hana_emulator.settings import S4HanaEmulatorSettings

MODELS = {
    runtime.model.name: runtime.model
    for runtime in build_services(S4HanaEmulatorSettings(database_path=":memory:"))
}


@pytest.mark.parametrize("name", sorted(MODELS))
class TestRenderMetadata:
    def test_pyodata_parses_every_set(self, name: str) -> None:
        model: ServiceModel = MODELS[name]
        schema = MetadataBuilder(render_metadata(model), config=Config(retain_null=True)).build()
        for entity_set in model.entity_sets:
            parsed = schema.entity_set(entity_set.name)
            assert [p.name for p in parsed.entity_type.key_proprties] == [
                p.name for p in entity_set.keys
            ]
            assert parsed.creatable is entity_set.creatable
            assert parsed.updatable is entity_set.updatable
            assert parsed.deletable is entity_set.deletable
            assert {nav.name for nav in parsed.entity_type.nav_proprties} == {
                nav.name for nav in entity_set.navigations
            }

    def test_sap_header_and_annotations(self, name: str) -> None:
        root = ElementTree.fromstring(render_metadata(MODELS[name]))
        edm = "{http://schemas.microsoft.com/ado/2008/09/edm}"
        sap = "{http://www.sap.com/Protocols/SAPData}"
        metadata = "{http://schemas.microsoft.com/ado/2007/08/dataservices/metadata}"
        assert root.get("Version") == "1.0"
        schema = root.find(f".//{edm}Schema")
        assert schema is not None
        assert schema.get("Namespace") == name
        container = schema.find(f"{edm}EntityContainer")
        assert container is not None
        assert container.get(f"{metadata}IsDefaultEntityContainer") == "true"
        assert container.get(f"{sap}supported-formats") == "atom json xlsx"


class TestConcurrencyTokens:
    def test_sales_order_and_billing_document_have_etags_business_partner_none(self) -> None:
        def etag(service: str, entity_set: str) -> str | None:
            found = MODELS[service].get_entity_set(entity_set)
            assert found is not None
            prop = found.etag_property
            return prop.name if prop else None

        assert etag("API_SALES_ORDER_SRV", "A_SalesOrder") == "LastChangeDateTime"
        assert etag("API_BILLING_DOCUMENT_SRV", "A_BillingDocument") == "LastChangeDateTime"
        assert etag("API_BUSINESS_PARTNER", "A_BusinessPartner") is None
        schema = MetadataBuilder(render_metadata(MODELS["API_SALES_ORDER_SRV"])).build()
        prop = schema.entity_type("A_SalesOrderType").proprty("LastChangeDateTime")
        assert prop.creatable is False
