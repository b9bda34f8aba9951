"""Span names of calls to S/4HANA: method and entity set, never keys or filter values."""

from __future__ import annotations

import httpx
import pytest

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
