"""The published contract: no SAP vocabulary leaks out, and every route documents its problems."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from erp_system.main import create_app
from erp_system.settings import ErpSystemSettings

# SAP property names look like `SoldToParty`, `A_SalesOrder`, `to_Item`, `__metadata`.
SAP_NAME = re.compile(r"^([A-Z][a-z]+[A-Z]\w*|A_\w+|to_\w+|__\w+)$")


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    schema: dict[str, Any] = create_app(ErpSystemSettings(log_format="text")).openapi()
    return schema


def property_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                yield from value
            yield from property_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from property_names(item)


class TestContract:
    def test_no_sap_names_in_any_schema(self, openapi: dict[str, Any]) -> None:
        names = set(property_names(openapi))
        assert {"externalReference", "exposureSource", "unitPrice"} <= names
        assert sorted(name for name in names if SAP_NAME.match(name)) == []

    def test_every_route_documents_problem_answers(self, openapi: dict[str, Any]) -> None:
        undocumented = [
            f"{method.upper()} {path}"
            for path, operations in openapi["paths"].items()
            for method, operation in operations.items()
            if not any(
                "application/problem+json" in answer.get("content", {})
                for status, answer in operation["responses"].items()
                if status.startswith(("4", "5"))
            )
        ]
        assert undocumented == []

    def test_resources_are_served(self, openapi: dict[str, Any]) -> None:
        assert {
            "/customers",
            "/customers/{customer_id}",
            "/customers/{customer_id}/credit",
            "/customers/{customer_id}/sales-orders",
            "/customers/{customer_id}/invoices",
            "/products",
            "/products/{sku}",
            "/availability",
            "/sales-orders",
            "/sales-orders:simulate",
            "/sales-orders/{order_id}",
        } <= set(openapi["paths"])
