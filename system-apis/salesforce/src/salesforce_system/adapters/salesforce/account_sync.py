"""Account profiles (with the fields the ERP keeps) and the ERP status of orders, on the REST
API: one API call per read or write, a query plus at most one write per order status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from salesforce_system.adapters.salesforce import mapping, soql
from salesforce_system.adapters.salesforce.rest import SalesforceRest
from salesforce_system.domain.errors import RecordNotFound
from salesforce_system.domain.sync_models import (
    MAX_PROFILE_IDS,
    AccountProfileRead,
    AccountProfileUpdate,
    OrderErpStatusRead,
    OrderErpStatusUpdate,
)
from trivium.schemas import Money

ACCOUNT = "001"
ERP_FIELDS = ("ERP_Credit_Limit__c", "ERP_Payment_Terms__c", "ERP_Blocked__c")
PROFILE_FIELDS = (*mapping.ACCOUNT_FIELDS, *ERP_FIELDS)
UPDATE_NAMES = {
    "erp_customer_number": "ERP_Customer_Number__c",
    "credit_limit": "ERP_Credit_Limit__c",
    "payment_terms": "ERP_Payment_Terms__c",
    "erp_blocked": "ERP_Blocked__c",
    "name": "Name",
    "phone": "Phone",
}


def profile_from_record(record: dict[str, Any], currency: str) -> AccountProfileRead:
    account = mapping.account_from_record(record)
    limit = record.get("ERP_Credit_Limit__c")
    return AccountProfileRead(
        id=account.id,
        name=account.name,
        phone=account.phone,
        website=account.website,
        industry=account.industry,
        billing_address=account.billing_address,
        erp_customer_number=account.erp_customer_number,
        credit_limit=None
        if limit is None
        else Money(amount=Decimal(str(limit)), currency=currency),
        payment_terms=record.get("ERP_Payment_Terms__c"),
        erp_blocked=bool(record.get("ERP_Blocked__c")),
        last_modified_at=account.last_modified_at,
    )


def profile_fields(changes: AccountProfileUpdate) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, sf_name in UPDATE_NAMES.items():
        if name in changes.model_fields_set:
            value = getattr(changes, name)
            fields[sf_name] = float(value) if isinstance(value, Decimal) else value
    if "billing_address" in changes.model_fields_set and changes.billing_address is not None:
        address = changes.billing_address
        fields.update(
            {
                mapping.ADDRESS_FIELDS[name]: getattr(address, name)
                for name in address.model_fields_set
            }
        )
    return fields


class SalesforceAccountSync:
    """Profiles and order statuses for sync flows, on a Salesforce org."""

    def __init__(self, *, rest: SalesforceRest, currency: str) -> None:
        self._rest = rest
        self._currency = currency

    async def get_profile(self, account_id: str) -> AccountProfileRead:
        record_id = soql.record_id(account_id, prefix=ACCOUNT, what="account")
        response = await self._rest.call(
            "GET",
            f"/sobjects/Account/{record_id}",
            params={"fields": ",".join(PROFILE_FIELDS)},
            idempotent=True,
            what="account",
        )
        return profile_from_record(response.json(), self._currency)

    async def list_profiles(
        self,
        *,
        modified_since: datetime | None,
        ids: Sequence[str] | None,
        limit: int,
        after: str | None,
    ) -> list[AccountProfileRead]:
        conditions = ["IsDeleted = false"]
        if modified_since is not None:
            moment = modified_since.astimezone(UTC) if modified_since.tzinfo else modified_since
            conditions.append(f"LastModifiedDate >= {soql.quote(moment)}")
        if ids is not None:
            wanted = [
                soql.record_id(i, prefix=ACCOUNT, what="account") for i in ids[:MAX_PROFILE_IDS]
            ]
            conditions.append(f"Id IN ({', '.join(soql.quote(i) for i in wanted)})")
        if after:
            conditions.append(f"Id > {soql.quote(after)}")
        page = await self._rest.query(
            f"SELECT {', '.join(PROFILE_FIELDS)} FROM Account "
            f"WHERE {' AND '.join(conditions)} ORDER BY Id LIMIT {limit}"
        )
        return [profile_from_record(record, self._currency) for record in page["records"]]

    async def update_profile(
        self, account_id: str, changes: AccountProfileUpdate
    ) -> AccountProfileRead:
        record_id = soql.record_id(account_id, prefix=ACCOUNT, what="account")
        fields = profile_fields(changes)
        if not fields:
            return await self.get_profile(record_id)
        record = await self._rest.update_and_read(
            f"/sobjects/Account/{record_id}",
            fields,
            read_fields=",".join(PROFILE_FIELDS),
            what="account",
        )
        return profile_from_record(record, self._currency)

    async def set_order_erp_status(
        self, erp_order_number: str, update: OrderErpStatusUpdate
    ) -> OrderErpStatusRead:
        page = await self._rest.query(
            "SELECT Id, ERP_Status__c, ERP_Invoice_Number__c FROM Order "
            f"WHERE ERP_Order_Number__c = {soql.quote(erp_order_number)} ORDER BY Id LIMIT 1",
            what="order",
        )
        if not page["records"]:
            raise RecordNotFound(f"No order carries the ERP order number {erp_order_number!r}.")
        record = page["records"][0]
        wanted: dict[str, Any] = {"ERP_Status__c": update.erp_status}
        if update.invoice_number is not None:
            wanted["ERP_Invoice_Number__c"] = update.invoice_number
        changes = {name: value for name, value in wanted.items() if record.get(name) != value}
        if changes:
            await self._rest.call(
                "PATCH",
                f"/sobjects/Order/{record['Id']}",
                json=changes,
                idempotent=True,
                what="order",
            )
        return OrderErpStatusRead(
            order_id=record["Id"],
            erp_order_number=erp_order_number,
            erp_status=update.erp_status,
            invoice_number=wanted.get("ERP_Invoice_Number__c", record.get("ERP_Invoice_Number__c")),
            previous_erp_status=record.get("ERP_Status__c"),
            previous_invoice_number=record.get("ERP_Invoice_Number__c"),
            changed=bool(changes),
        )
