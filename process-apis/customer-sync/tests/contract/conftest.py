"""Consumer side of customer-sync's contracts: its System API adapters against Pact mock
servers, each test declaring the interactions it relies on (see contracts/README.md)."""

from __future__ import annotations

from customer_sync_process.adapters.erp_system import ErpSystemErp
from customer_sync_process.adapters.salesforce_system import SalesforceSystemCrm
from trivium_testing.mock_servers import adapter_fixture, pact_fixture

CONSUMER = "customer-sync"


salesforce_pact = pact_fixture(CONSUMER, "salesforce-system")
erp_pact = pact_fixture(CONSUMER, "erp-system")
crm_at = adapter_fixture("salesforce-system", SalesforceSystemCrm)
erp_at = adapter_fixture("erp-system", ErpSystemErp)
