"""Span names of calls to S/4HANA: method and entity set, never keys or filter values."""

from __future__ import annotations

import httpx
import pytest

from erp_system.adapters.s4hana.call_names import s4hana_call_name

SAP = "https://s4.example.com/sap/opu/odata/sap"


class TestS4HanaCallName:
    @pytest.mark.parametrize(
        ("method", "url", "name"),
        [
            ("POST", "/API_SALES_ORDER_SRV/A_SalesOrder", "s4hana POST A_SalesOrder"),
            (
                "GET",
                "/API_BUSINESS_PARTNER/A_Customer('1000001')/to_SalesArea?$top=5&sap-client=100",
                "s4hana GET A_Customer",
            ),
            ("POST", "/API_PRODUCT_SRV/$batch", "s4hana POST $batch"),
            ("GET", "/API_SALES_ORDER_SRV/", "s4hana GET API_SALES_ORDER_SRV"),
            ("GET", "/API_SALES_ORDER_SRV", "s4hana GET API_SALES_ORDER_SRV"),
        ],
    )
    def test_names_the_entity_set(self, method: str, url: str, name: str) -> None:
        assert s4hana_call_name(httpx.Request(method, SAP + url)) == name

    def test_a_path_outside_odata_names_the_method(self) -> None:
        assert s4hana_call_name(httpx.Request("POST", "https://s4.example.com/oauth/token")) == (
            "s4hana POST"
        )
