"""Span names of calls to S/4HANA and NetSuite: method and entity set or record type, never keys,
ids or filter values."""

from __future__ import annotations

import httpx
import pytest

from erp_system.adapters.netsuite.call_names import netsuite_call_name
from erp_system.adapters.s4hana.call_names import s4hana_call_name

SAP = "https://s4.example.com/sap/opu/odata/sap"


# The request line of a call (method, path below the OData root) → its span name.
NAMES = {
    "POST /API_SALES_ORDER_SRV/A_SalesOrder": "s4hana POST A_SalesOrder",
    "GET /API_BUSINESS_PARTNER/A_Customer('1000001')/to_SalesArea?$top=5": "s4hana GET A_Customer",
    "POST /API_PRODUCT_SRV/$batch": "s4hana POST $batch",
    "GET /API_SALES_ORDER_SRV/": "s4hana GET API_SALES_ORDER_SRV",
    "GET /API_SALES_ORDER_SRV": "s4hana GET API_SALES_ORDER_SRV",
}


class TestS4HanaCallName:
    @pytest.mark.parametrize("request_line", NAMES)
    def test_names_the_entity_set(self, request_line: str) -> None:
        method, path = request_line.split(" ", 1)
        assert s4hana_call_name(httpx.Request(method, SAP + path)) == NAMES[request_line]

    def test_a_path_outside_odata_names_the_method(self) -> None:
        request = httpx.Request("POST", "https://s4.example.com/oauth/token")
        assert s4hana_call_name(request) == "s4hana POST"


NETSUITE = "https://123456.suitetalk.api.netsuite.com/services/rest"

# The request line of a call (method, path below the REST root) → its span name.
NETSUITE_NAMES = {
    "POST /record/v1/salesOrder": "netsuite POST salesOrder",
    "GET /record/v1/customer/1234?expandSubResources=true": "netsuite GET customer",
    "PUT /record/v1/customer/eid:001A000001xyzAAA": "netsuite PUT customer",
    "POST /query/v1/suiteql?limit=1000": "netsuite POST suiteql",
    "POST /auth/oauth2/v1/token": "netsuite POST token",
}


class TestNetSuiteCallName:
    @pytest.mark.parametrize("request_line", NETSUITE_NAMES)
    def test_names_the_record_type_or_service(self, request_line: str) -> None:
        method, path = request_line.split(" ", 1)
        request = httpx.Request(method, NETSUITE + path)
        assert netsuite_call_name(request) == NETSUITE_NAMES[request_line]

    def test_a_path_outside_the_rest_services_names_the_method(self) -> None:
        request = httpx.Request("GET", "https://123456.app.netsuite.com/app/login")
        assert netsuite_call_name(request) == "netsuite GET"
