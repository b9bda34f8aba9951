"""The ERP user's desk in `make demo`: what the demo reads and changes in the ERP itself (a
customer's credit limit and phones), on S/4HANA over OData or on NetSuite over SuiteTalk REST."""

from __future__ import annotations

import os
from collections.abc import Generator
from decimal import Decimal
from typing import Any, Protocol

import httpx
from demo_credentials import local_credential
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client

SAP_ODATA = "/sap/opu/odata/sap"
SUITEQL = "/services/rest/query/v1/suiteql"
RECORDS = "/services/rest/record/v1"


class DeskFailed(Exception):
    """The ERP did not answer as expected."""


def _json(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    if response.status_code not in statuses:
        detail = response.text[:300].replace("\n", " ")
        raise DeskFailed(f"{response.request.method} {response.request.url.path} answered "
                         f"{response.status_code}: {detail}")  # fmt: skip
    body: dict[str, Any] = response.json() if response.content else {}
    return body


class ErpDesk(Protocol):
    def credit_limit(self, customer: str) -> Decimal: ...

    def set_credit_limit(self, customer: str, amount: Decimal) -> None: ...

    def phones(self, customer: str) -> set[str]: ...

    def close(self) -> None: ...


class SapDesk:
    """The SAP user: business partners and credit management over OData."""

    def __init__(self, url: str, *, timeout: httpx.Timeout) -> None:
        self._sap = httpx.Client(
            base_url=f"{url}{SAP_ODATA}",
            auth=(
                os.environ.get("ERP_SYSTEM_USERNAME", "TRIVIUM_COMM_USER"),
                local_credential("ERP_SYSTEM_PASSWORD"),
            ),
            params={"sap-client": os.environ.get("ERP_SYSTEM_SAP_CLIENT", "100")},
            headers={"Accept": "application/json"},
            timeout=timeout,
        )

    @staticmethod
    def _account(customer: str) -> str:
        key = f"CreditManagementAccount(BusinessPartner='{customer}',CreditSegment='1000')"
        return f"/API_CRDTMBUSINESSPARTNER/{key}"

    def credit_limit(self, customer: str) -> Decimal:
        return Decimal(_json(self._sap.get(self._account(customer)), 200)["d"]["CreditLimitAmount"])

    def set_credit_limit(self, customer: str, amount: Decimal) -> None:
        csrf = self._sap.get("/API_CRDTMBUSINESSPARTNER/", headers={"X-CSRF-Token": "Fetch"})
        token = csrf.headers.get("x-csrf-token", "")
        change = self._sap.patch(self._account(customer), json={"CreditLimitAmount": f"{amount:f}"},
                                 headers={"X-CSRF-Token": token, "If-Match": "*"})  # fmt: skip
        _json(change, 204)

    def phones(self, customer: str) -> set[str]:
        partner = _json(self._sap.get(
            f"/API_BUSINESS_PARTNER/A_BusinessPartner('{customer}')",
            params={"$expand": "to_BusinessPartnerAddress/to_PhoneNumber"},
        ), 200)["d"]  # fmt: skip
        return {
            phone["PhoneNumber"]
            for address in partner["to_BusinessPartnerAddress"]["results"]
            for phone in address["to_PhoneNumber"]["results"]
        }

    def close(self) -> None:
        self._sap.close()


class _TokenBasedAuth(httpx.Auth):
    """NetSuite's token-based authentication, as the integration's own users sign requests."""

    def __init__(self) -> None:
        self._client = Client(
            local_credential("NETSUITE_CONSUMER_KEY"),
            client_secret=local_credential("NETSUITE_CONSUMER_SECRET"),
            resource_owner_key=local_credential("NETSUITE_TOKEN_ID"),
            resource_owner_secret=local_credential("NETSUITE_TOKEN_SECRET"),
            signature_method=SIGNATURE_HMAC_SHA256,
            realm=os.environ.get("NETSUITE_ACCOUNT_ID", "1234567_SB1").upper(),
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        _, headers, _ = self._client.sign(str(request.url), request.method)
        request.headers["Authorization"] = headers["Authorization"]
        yield request


class NetSuiteDesk:
    """The NetSuite user: customer records, read by SuiteQL and changed by the record service."""

    def __init__(self, url: str, *, timeout: httpx.Timeout) -> None:
        self._netsuite = httpx.Client(base_url=url, auth=_TokenBasedAuth(), timeout=timeout)

    def _customer(self, customer: str) -> dict[str, Any]:
        query = {"q": f"SELECT id, creditlimit, phone FROM customer WHERE entityid = '{customer}'"}
        rows = _json(
            self._netsuite.post(SUITEQL, json=query, headers={"Prefer": "transient"}), 200
        )["items"]
        if not rows:
            raise DeskFailed(f"NetSuite has no customer {customer}")
        row: dict[str, Any] = rows[0]
        return row

    def credit_limit(self, customer: str) -> Decimal:
        return Decimal(self._customer(customer).get("creditlimit") or 0)

    def set_credit_limit(self, customer: str, amount: Decimal) -> None:
        record = self._customer(customer)["id"]
        change = self._netsuite.patch(
            f"{RECORDS}/customer/{record}", json={"creditLimit": float(amount)}
        )
        _json(change, 204)

    def phones(self, customer: str) -> set[str]:
        phone = self._customer(customer).get("phone")
        return {phone} if phone else set()

    def close(self) -> None:
        self._netsuite.close()


def open_desk(erp: str, url: str, *, timeout: httpx.Timeout) -> ErpDesk:
    """The desk of the ERP `erp` (s4hana or netsuite) whose system answers at `url`."""
    desk: ErpDesk = (
        NetSuiteDesk(url, timeout=timeout) if erp == "netsuite" else SapDesk(url, timeout=timeout)
    )
    return desk
