"""Helpers shared by the emulator tests: paths, request bodies, SAP error assertions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import requests

from s4hana_emulator.settings import S4HanaEmulatorSettings
from trivium_testing.s4hana_services import (  # noqa: F401 (the paths the tests call)
    BILLING,
    BP,
    CREDIT,
    EXPOSURE,
    PRICES,
    PRODUCT,
    SIMULATION,
    SO,
    STOCK,
)
from trivium_testing.services import RunningService, start_service

USER = "TRIVIUM_COMM_USER"
PASSWORD = "Trivium-Demo-Pass1"
ADMIN = {"X-Admin-Token": "trivium-emulator-admin"}
# The system's credentials in these tests (the emulator has none by default: each is random).
TEST_CREDENTIALS = {
    "S4_EMULATOR_ADMIN_TOKEN": ADMIN["X-Admin-Token"],
    "S4_EMULATOR_PASSWORD": PASSWORD,
    "S4_EMULATOR_OAUTH_CLIENT_SECRET": PASSWORD,
}


def make_settings(**overrides: Any) -> S4HanaEmulatorSettings:
    """An in-memory system with the demo data and the lifecycle stopped, unless overridden."""
    values: dict[str, Any] = {
        "database_path": ":memory:",
        "lifecycle_speed": 0,
        "chaos_seed": 7,
        "admin_token": ADMIN["X-Admin-Token"],
        "password": PASSWORD,
        "oauth_client_secret": PASSWORD,
    }
    values.update(overrides)
    return S4HanaEmulatorSettings(**values)


def start_emulator(run_dir: Path, *, name: str, **env: str) -> RunningService:
    """An emulator process with the test credentials and an in-memory demo system, then `env`."""
    return start_service(
        "s4hana_emulator.main:create_app",
        name=name,
        log_dir=run_dir / "logs",
        env={**TEST_CREDENTIALS, "S4_EMULATOR_DATABASE_PATH": ":memory:", **env},
    )


class Sap(httpx.AsyncClient):
    """An httpx client signed in with Basic auth that can fetch a CSRF token for writes."""

    async def fetch_token(self, service: str = BP) -> str:
        response = await self.get(f"{service}/", headers={"x-csrf-token": "Fetch"})
        assert response.status_code == 200, response.text
        token = response.headers["x-csrf-token"]
        self.headers["x-csrf-token"] = token
        return token


def sap_error(
    response: httpx.Response | requests.Response, status: int, code: str | None = None
) -> dict[str, Any]:
    """The response is SAP's OData error with this status (and code); returns `error`."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert isinstance(error["message"]["value"], str)
    assert error["message"]["value"]
    assert error["message"]["lang"] == "en"
    details = error["innererror"]["errordetails"]
    assert details
    assert details[0]["code"] == error["code"]
    if code is not None:
        assert error["code"] == code, error
    return error


def order_body(customer: str = "1000001", *lines: tuple[str, str], **extra: Any) -> dict[str, Any]:
    """A sales order deep insert in sales area 1010/10/00."""
    items = lines or (("MAT-0002", "2"),)
    return {
        "SalesOrderType": "OR",
        "SalesOrganization": "1010",
        "DistributionChannel": "10",
        "OrganizationDivision": "00",
        "SoldToParty": customer,
        "PurchaseOrderByCustomer": "TEST-PO-1",
        "to_Item": [{"Material": sku, "RequestedQuantity": quantity} for sku, quantity in items],
        **extra,
    }


def partner_body(name: str = "Contoso Manufacturing Ltd", **extra: Any) -> dict[str, Any]:
    """The documented deep insert: partner, address, customer roles, company and sales area."""
    return {
        "BusinessPartnerCategory": "2",
        "BusinessPartnerGrouping": "BP02",
        "OrganizationBPName1": name,
        "SearchTerm1": "CONTOSO",
        "CorrespondenceLanguage": "EN",
        "BusinessPartnerIDByExtSystem": "001Dn00000ABCDE",
        "to_BusinessPartnerRole": [
            {"BusinessPartnerRole": "FLCU00"},
            {"BusinessPartnerRole": "FLCU01"},
        ],
        "to_BusinessPartnerAddress": [
            {
                "Country": "US", "Region": "CA", "CityName": "San Jose", "PostalCode": "95110",
                "StreetName": "North First Street", "HouseNumber": "2100", "Language": "EN",
                "to_EmailAddress": [{"EmailAddress": "ap@contoso.example"}],
                "to_PhoneNumber": [{"PhoneNumber": "4085550100"}],
            }
        ],
        "to_Customer": {
            "CustomerAccountGroup": "CUST",
            "to_CustomerCompany": [
                {"CompanyCode": "1010", "ReconciliationAccount": "12100000", "PaymentTerms": "0004"}
            ],
            "to_CustomerSalesArea": {
                "results": [
                    {"SalesOrganization": "1010", "DistributionChannel": "10", "Division": "00",
                     "Currency": "EUR", "CustomerPaymentTerms": "0004"}
                ]
            },
        },
        **extra,
    }  # fmt: skip
