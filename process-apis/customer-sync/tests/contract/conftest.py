"""Consumer side of customer-sync's contracts: its System API adapters against Pact mock
servers, each test declaring the interactions it relies on (see contracts/README.md)."""

from __future__ import annotations

from customer_sync_process.adapters.erp_system import ErpSystemErp
from customer_sync_process.adapters.salesforce_system import SalesforceSystemCrm
from trivium_testing.mock_servers import system_api_fixtures

CONSUMER = "customer-sync"


salesforce_pact, erp_pact, crm_at, erp_at = system_api_fixtures(
    CONSUMER, SalesforceSystemCrm, ErpSystemErp
)
