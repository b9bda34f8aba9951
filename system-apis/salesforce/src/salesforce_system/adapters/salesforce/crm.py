"""The CRM port implemented on Salesforce's REST API, spending one API call per operation."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote as url_quote

from salesforce_system.adapters.salesforce import mapping, soql
from salesforce_system.adapters.salesforce.catalog import PricebookCatalog
from salesforce_system.adapters.salesforce.composite import (
    query_url,
    raise_for_results,
    reads_as_reference,
    result_body,
    split_references,
    subrequest,
)
from salesforce_system.adapters.salesforce.errors import field_errors
from salesforce_system.adapters.salesforce.product_upsert import EXTERNAL_ID, ProductUpserter
from salesforce_system.adapters.salesforce.rest import SalesforceRest
from salesforce_system.domain.errors import DuplicateRecord, RecordNotFound, RecordRejected
from salesforce_system.domain.models import (
    AccountCreate,
    AccountOverviewRead,
    AccountRead,
    AccountSearch,
    AccountUpdate,
    ApiBudgetRead,
    ContactRead,
    OpportunityRead,
    OrderCreate,
    OrderRead,
    OrderUpdate,
    ProductRead,
    ProductUpsert,
    ProductUpsertReportRead,
    QuoteRead,
    QuoteUpdate,
    SystemRead,
)
from trivium.problems import FieldError

ACCOUNT, CONTACT, OPPORTUNITY, QUOTE, ORDER = "001", "003", "006", "0Q0", "801"

log = logging.getLogger(__name__)


def _select(fields: Sequence[str]) -> str:
    return ", ".join(fields)


def _field_list(fields: Sequence[str]) -> str:
    """The `fields=` parameter of sObject reads: comma-separated, no spaces."""
    return ",".join(fields)


def _page_filter(after: str | None) -> str:
    return f" AND Id > {soql.quote(after)}" if after else ""


class SalesforceCrm:
    """CrmPort on a Salesforce org."""

    def __init__(
        self,
        *,
        rest: SalesforceRest,
        catalog: PricebookCatalog,
        upserter: ProductUpserter,
        currency: str,
    ) -> None:
        self._rest = rest
        self._catalog = catalog
        self._upserter = upserter
        self._currency = currency

    # accounts ----------------------------------------------------------------------------------

    async def get_account(self, account_id: str) -> AccountRead:
        record_id = soql.record_id(account_id, prefix=ACCOUNT, what="account")
        # A query rather than an sObject read: only a query reads the owner's username.
        page = await self._rest.query(
            f"SELECT {_select(mapping.ACCOUNT_FIELDS)}, Owner.Username FROM Account "
            f"WHERE Id = {soql.quote(record_id)}",
            what="account",
        )
        if not page["records"]:
            raise RecordNotFound(f"No account has the id {account_id!r}.")
        return mapping.account_from_record(page["records"][0])

    async def search_accounts(
        self, criteria: AccountSearch, *, limit: int, after: str | None
    ) -> list[AccountRead]:
        conditions = ["IsDeleted = false"]
        exact = {
            "AccountNumber": criteria.account_number,
            "ERP_Customer_Number__c": criteria.erp_customer_number,
            "BillingPostalCode": criteria.postal_code,
            "OwnerId": criteria.owner_id,
            "Owner.Username": criteria.owner_username,
        }
        conditions += [f"{field} = {soql.quote(value)}" for field, value in exact.items() if value]
        if criteria.name:
            conditions.append(f"Name LIKE {soql.like_contains(criteria.name)}")
        if criteria.website_domain:
            conditions.append(f"Website LIKE {soql.like_contains(criteria.website_domain)}")
        query = (
            f"SELECT {_select(mapping.ACCOUNT_FIELDS)}, Owner.Username FROM Account "
            f"WHERE {' AND '.join(conditions)}{_page_filter(after)} ORDER BY Id LIMIT {limit}"
        )
        page = await self._rest.query(query)
        return [mapping.account_from_record(record) for record in page["records"]]

    async def create_account(self, account: AccountCreate) -> AccountRead:
        fields = mapping.account_fields(account)
        owner = await self._owner(account)
        if owner is not None:
            fields["OwnerId"] = owner[0]
        if reads_as_reference(fields):
            # A composite body would resolve the text: a plain create and a read (two calls).
            response = await self._rest.call(
                "POST", "/sobjects/Account", json=fields, what="account"
            )
            return await self.get_account(str(response.json()["id"]))
        results = await self._rest.composite(
            [
                subrequest("POST", "/sobjects/Account", "created", fields),
                subrequest("GET", self._account_url("@{created.id}"), "account"),
            ]
        )
        raise_for_results(results, what="account")
        created = mapping.account_from_record(result_body(results, "account"))
        return created.model_copy(update={"owner_username": owner[1]}) if owner else created

    async def _owner(self, account: AccountCreate) -> tuple[str, str] | None:
        """The id and username of the active user `ownerUsername` names (one query), if given;
        RecordRejected when no active user has it."""
        if account.owner_username is None:
            return None
        page = await self._rest.query(
            f"SELECT Id, Username FROM User WHERE Username = {soql.quote(account.owner_username)} "
            "AND IsActive = true LIMIT 1",
            what="user",
        )
        if not page["records"]:
            raise RecordRejected(
                "No active CRM user has this username, so it cannot own the account.",
                errors=[FieldError(pointer="/ownerUsername", detail="no active user")],
            )
        user = page["records"][0]
        return str(user["Id"]), str(user["Username"])

    async def update_account(self, account_id: str, changes: AccountUpdate) -> AccountRead:
        record_id = soql.record_id(account_id, prefix=ACCOUNT, what="account")
        fields = mapping.account_fields(changes)
        if not fields:
            return await self.get_account(record_id)
        record = await self._rest.update_and_read(
            f"/sobjects/Account/{record_id}",
            fields,
            read_fields=_field_list(mapping.ACCOUNT_FIELDS),
            what="account",
        )
        return mapping.account_from_record(record)

    async def delete_account(self, account_id: str) -> None:
        record_id = soql.record_id(account_id, prefix=ACCOUNT, what="account")
        await self._rest.call("DELETE", f"/sobjects/Account/{record_id}", what="account")

    async def upsert_account_by_erp_number(
        self, erp_customer_number: str, account: AccountCreate
    ) -> tuple[AccountRead, bool]:
        fields = mapping.account_fields(account)
        fields.pop("ERP_Customer_Number__c", None)
        owner = await self._owner(account)
        if owner is not None:
            fields["OwnerId"] = owner[0]
        external = (
            f"/sobjects/Account/ERP_Customer_Number__c/{url_quote(erp_customer_number, safe='')}"
        )
        read_url = f"{external}?fields={_field_list(mapping.ACCOUNT_FIELDS)}"
        if reads_as_reference(fields):
            upserted = await self._rest.call(
                "PATCH", external, json=fields, idempotent=True, what="account"
            )
            read = await self._rest.call("GET", read_url, idempotent=True, what="account")
            return mapping.account_from_record(read.json()), upserted.status_code == 201
        results = await self._rest.composite(
            [
                subrequest("PATCH", external, "upserted", fields),
                subrequest("GET", read_url, "account"),
            ]
        )
        raise_for_results(results, what="account")
        created = int(results[0]["httpStatusCode"]) == 201
        return mapping.account_from_record(result_body(results, "account")), created

    def _account_url(self, record_id: str) -> str:
        return f"/sobjects/Account/{record_id}?fields={_field_list(mapping.ACCOUNT_FIELDS)}"

    # contacts and opportunities ---------------------------------------------------------------

    async def _children_of_account(
        self, account_id: str, *, relationship: str, fields: Sequence[str], where: str, limit: int
    ) -> list[dict[str, Any]]:
        record_id = soql.record_id(account_id, prefix=ACCOUNT, what="account")
        query = (
            f"SELECT Id, (SELECT {_select(fields)} FROM {relationship} WHERE {where} "
            f"ORDER BY Id LIMIT {limit}) FROM Account WHERE Id = {soql.quote(record_id)}"
        )
        page = await self._rest.query(query)
        if not page["records"]:
            raise RecordNotFound(f"No account has the id {account_id!r}.")
        children = page["records"][0].get(relationship) or {}
        return list(children.get("records", []))

    async def list_contacts(
        self, account_id: str, *, limit: int, after: str | None
    ) -> list[ContactRead]:
        records = await self._children_of_account(
            account_id,
            relationship="Contacts",
            fields=mapping.CONTACT_FIELDS,
            where="IsDeleted = false" + _page_filter(after),
            limit=limit,
        )
        return [mapping.contact_from_record(record) for record in records]

    async def list_open_opportunities(
        self, account_id: str, *, limit: int, after: str | None
    ) -> list[OpportunityRead]:
        records = await self._children_of_account(
            account_id,
            relationship="Opportunities",
            fields=mapping.OPPORTUNITY_FIELDS,
            where="IsClosed = false" + _page_filter(after),
            limit=limit,
        )
        return [mapping.opportunity_from_record(record, self._currency) for record in records]

    async def get_account_overview(
        self, account_id: str, *, contact_limit: int, opportunity_limit: int
    ) -> AccountOverviewRead:
        record_id = soql.record_id(account_id, prefix=ACCOUNT, what="account")
        # One query with two subqueries: the whole overview costs one API call.
        query = (
            f"SELECT {_select(mapping.ACCOUNT_FIELDS)}, Owner.Username, "
            f"(SELECT {_select(mapping.CONTACT_FIELDS)} FROM Contacts WHERE IsDeleted = false "
            f"ORDER BY LastName, FirstName LIMIT {contact_limit}), "
            f"(SELECT {_select(mapping.OPPORTUNITY_FIELDS)} FROM Opportunities "
            f"WHERE IsClosed = false ORDER BY CloseDate LIMIT {opportunity_limit}) "
            f"FROM Account WHERE Id = {soql.quote(record_id)}"
        )
        page = await self._rest.query(query, what="account")
        if not page["records"]:
            raise RecordNotFound(f"No account has the id {account_id!r}.")
        return mapping.account_overview_from_record(page["records"][0], self._currency)

    # quotes -----------------------------------------------------------------------------------

    def _quote_soql(self, quote_id: str) -> str:
        return (
            f"SELECT {_select(mapping.QUOTE_FIELDS)}, "
            f"(SELECT {_select(mapping.QUOTE_LINE_FIELDS)} FROM QuoteLineItems ORDER BY Id) "
            f"FROM Quote WHERE Id = {soql.quote(quote_id)}"
        )

    async def get_quote(self, quote_id: str) -> QuoteRead:
        record_id = soql.record_id(quote_id, prefix=QUOTE, what="quote")
        page = await self._rest.query(self._quote_soql(record_id), what="quote")
        if not page["records"]:
            raise RecordNotFound(f"No quote has the id {quote_id!r}.")
        return mapping.quote_from_record(page["records"][0], self._currency)

    async def update_quote(self, quote_id: str, changes: QuoteUpdate) -> QuoteRead:
        record_id = soql.record_id(quote_id, prefix=QUOTE, what="quote")
        if reads_as_reference(changes.status):
            await self._rest.call(
                "PATCH",
                f"/sobjects/Quote/{record_id}",
                json={"Status": changes.status},
                idempotent=True,
                what="quote",
            )
            return await self.get_quote(record_id)
        results = await self._rest.composite(
            [
                subrequest(
                    "PATCH", f"/sobjects/Quote/{record_id}", "updated", {"Status": changes.status}
                ),
                subrequest("GET", query_url(self._quote_soql(record_id)), "quote"),
            ]
        )
        raise_for_results(results, what="quote")
        return mapping.quote_from_record(
            result_body(results, "quote")["records"][0], self._currency
        )

    # orders -----------------------------------------------------------------------------------

    def _order_soql(self, where: str, *, limit: int = 1) -> str:
        return (
            f"SELECT {_select(mapping.ORDER_FIELDS)}, "
            f"(SELECT {_select(mapping.ORDER_ITEM_FIELDS)} FROM OrderItems ORDER BY Id) "
            f"FROM Order WHERE {where} ORDER BY Id LIMIT {limit}"
        )

    async def create_order(self, order: OrderCreate) -> OrderRead:
        """Order, items, activation, quote status and opportunity stage, and read-back in one
        composite call (one API call). Text a composite body would resolve as a reference is
        written after it with plain sObject calls. A create refused as a duplicate of its ERP
        order number answers the order that has it when that is the same order (a repeat of a
        create whose answer was lost), at the cost of one read."""
        account_id = soql.record_id(order.account_id, prefix=ACCOUNT, what="account")
        entries = await self._catalog.entries({_item_key(item) for item in order.items})
        missing = sorted({_item_key(item) for item in order.items} - set(entries))
        if missing:
            raise RecordRejected(
                "Some items name products that are not in the standard price book.",
                errors=[FieldError(pointer="/items", detail=f"unknown {key}") for key in missing],
            )
        pricebook_id = next(iter(entries.values())).pricebook_id
        header: dict[str, Any] = {
            "AccountId": account_id,
            "EffectiveDate": order.effective_date.isoformat(),
            "Status": "Draft",
            "Pricebook2Id": pricebook_id,
            "QuoteId": order.quote_id,
            "OpportunityId": order.opportunity_id,
            "PoNumber": order.purchase_order_number,
            "ERP_Order_Number__c": order.erp_order_number,
            "ERP_Status__c": order.erp_status,
        }
        header, held = split_references({k: v for k, v in header.items() if v is not None})
        later: list[tuple[str, dict[str, Any]]] = []
        items = [
            {
                "attributes": {"type": "OrderItem"},
                "OrderId": "@{order.id}",
                "PricebookEntryId": entries[_item_key(item)].entry_id,
                "Quantity": float(item.quantity),
                "UnitPrice": float(item.unit_price)
                if item.unit_price is not None
                else entries[_item_key(item)].unit_price,
            }
            for item in order.items
        ]
        subrequests = [
            subrequest("POST", "/sobjects/Order", "order", header),
            subrequest(
                "POST", "/composite/sobjects", "items", {"allOrNone": True, "records": items}
            ),
        ]
        if order.activate:
            subrequests.append(
                subrequest(
                    "PATCH", "/sobjects/Order/@{order.id}", "activate", {"Status": "Activated"}
                )
            )
        # In the same all-or-nothing request: the order exists exactly when they are marked.
        marks: list[tuple[str, str, dict[str, Any]]] = []
        if order.quote_id and order.quote_status:
            quote_id = soql.record_id(order.quote_id, prefix=QUOTE, what="quote")
            marks.append(("quote", f"/sobjects/Quote/{quote_id}", {"Status": order.quote_status}))
        if order.opportunity_id and order.opportunity_stage:
            opportunity_id = soql.record_id(
                order.opportunity_id, prefix=OPPORTUNITY, what="opportunity"
            )
            marks.append(
                (
                    "opportunity",
                    f"/sobjects/Opportunity/{opportunity_id}",
                    {"StageName": order.opportunity_stage},
                )
            )
        for reference, url, fields in marks:
            if reads_as_reference(fields):
                later.append((url, fields))
            else:
                subrequests.append(subrequest("PATCH", url, reference, fields))
        subrequests.append(
            subrequest(
                "GET",
                query_url(self._order_soql("Id = '@{order.id}'"), references=["@{order.id}"]),
                "read",
            )
        )
        if not held and not later:
            return mapping.order_from_record(
                await self._write_order(subrequests, order=order), self._currency
            )
        return await self._write_order_with_literals(
            subrequests, held=held, later=later, order=order
        )

    async def _write_order(
        self, subrequests: list[dict[str, Any]], *, order: OrderCreate
    ) -> dict[str, Any]:
        """The composite write's order record; on a duplicate, the order created before."""
        results = await self._rest.composite(subrequests)
        _raise_for_item_failures(result_body(results, "items"))
        try:
            raise_for_results(results, what="order")
        except DuplicateRecord:
            # The ERP order number is unique: a create whose answer was lost (its process died
            # after the org wrote the order) is repeated with the same number. The all-or-nothing
            # write made the order with its items, activation and marks, so it is the answer.
            earlier = await self._order_created_before(order)
            if earlier is None:
                raise
            log.info(
                "salesforce.order.create_repeated",
                extra={"order_id": earlier["Id"], "erp_order_number": order.erp_order_number},
            )
            return earlier
        record: dict[str, Any] = result_body(results, "read")["records"][0]
        return record

    async def _order_created_before(self, order: OrderCreate) -> dict[str, Any] | None:
        """The order record that carries the ERP order number of `order`, if any (one query);
        DuplicateRecord when another order (another account or quote) carries it."""
        if order.erp_order_number is None:
            return None
        where = f"ERP_Order_Number__c = {soql.quote(order.erp_order_number)}"
        page = await self._rest.query(self._order_soql(where), what="order")
        if not page["records"]:
            return None
        record: dict[str, Any] = page["records"][0]
        if not _is_same_order(record, order):
            raise DuplicateRecord(
                f"The ERP order number {order.erp_order_number!r} is on another order already.",
                errors=[
                    FieldError(
                        pointer="/erpOrderNumber",
                        detail=f"on order {record['Id']} of another account or quote",
                    )
                ],
            )
        return record

    async def _write_order_with_literals(
        self,
        subrequests: list[dict[str, Any]],
        *,
        held: dict[str, Any],
        later: list[tuple[str, dict[str, Any]]],
        order: OrderCreate,
    ) -> OrderRead:
        """The composite write, then the text it could not carry in plain sObject writes. A
        repeat after a failure between them finds the order by its ERP number and finishes it,
        instead of creating a second one."""
        record = await self._order_created_before(order)
        if record is None:
            record = await self._write_order(subrequests, order=order)
        if held:
            later.insert(0, (f"/sobjects/Order/{record['Id']}", held))
        for url, fields in later:
            await self._rest.call("PATCH", url, json=fields, idempotent=True, what="order")
        # Plain writes store the text as it is: the read-back shows what was written.
        return mapping.order_from_record({**record, **held}, self._currency)

    async def get_order(self, order_id: str) -> OrderRead:
        record_id = soql.record_id(order_id, prefix=ORDER, what="order")
        page = await self._rest.query(
            self._order_soql(f"Id = {soql.quote(record_id)}"), what="order"
        )
        if not page["records"]:
            raise RecordNotFound(f"No order has the id {order_id!r}.")
        return mapping.order_from_record(page["records"][0], self._currency)

    async def list_orders(
        self, account_id: str, *, limit: int, after: str | None
    ) -> list[OrderRead]:
        record_id = soql.record_id(account_id, prefix=ACCOUNT, what="account")
        where = f"AccountId = {soql.quote(record_id)}{_page_filter(after)}"
        page = await self._rest.query(self._order_soql(where, limit=limit))
        return [mapping.order_from_record(record, self._currency) for record in page["records"]]

    async def update_order(self, order_id: str, changes: OrderUpdate) -> OrderRead:
        record_id = soql.record_id(order_id, prefix=ORDER, what="order")
        names = {
            "erp_order_number": "ERP_Order_Number__c",
            "erp_status": "ERP_Status__c",
            "status": "Status",
        }
        fields = {names[name]: getattr(changes, name) for name in changes.model_fields_set}
        if not fields:
            return await self.get_order(record_id)
        if reads_as_reference(fields):
            await self._rest.call(
                "PATCH", f"/sobjects/Order/{record_id}", json=fields, idempotent=True, what="order"
            )
            return await self.get_order(record_id)
        results = await self._rest.composite(
            [
                subrequest("PATCH", f"/sobjects/Order/{record_id}", "updated", fields),
                subrequest(
                    "GET", query_url(self._order_soql(f"Id = {soql.quote(record_id)}")), "read"
                ),
            ]
        )
        raise_for_results(results, what="order")
        return mapping.order_from_record(result_body(results, "read")["records"][0], self._currency)

    # products and budget ----------------------------------------------------------------------

    async def list_products(
        self, *, search: str | None, limit: int, after: str | None
    ) -> list[ProductRead]:
        conditions = ["IsDeleted = false"]
        if search:
            pattern = soql.like_contains(search)
            matches = (f"{field} LIKE {pattern}" for field in ("Name", "ProductCode", EXTERNAL_ID))
            conditions.append(f"({' OR '.join(matches)})")
        query = (
            f"SELECT {_select(mapping.PRODUCT_FIELDS)} FROM Product2 "
            f"WHERE {' AND '.join(conditions)}{_page_filter(after)} ORDER BY Id LIMIT {limit}"
        )
        page = await self._rest.query(query)
        return [mapping.product_from_record(record) for record in page["records"]]

    async def upsert_products(self, products: Sequence[ProductUpsert]) -> ProductUpsertReportRead:
        return await self._upserter.upsert(products)

    async def get_system(self) -> SystemRead:
        return SystemRead(system_id=await self._rest.signed_in_org())

    async def get_budget(self) -> ApiBudgetRead:
        response = await self._rest.call("GET", "/limits", idempotent=True)
        daily = response.json()["DailyApiRequests"]
        maximum, remaining = int(daily["Max"]), int(daily["Remaining"])
        return ApiBudgetRead(
            max=maximum,
            remaining=remaining,
            used=maximum - remaining,
            observed_at=datetime.now(UTC),
        )

    async def known_remaining_budget(self) -> int | None:
        return await self._rest.budget.remaining()


def _is_same_order(record: dict[str, Any], order: OrderCreate) -> bool:
    """Whether an order record is the one `order` creates: the same account, and the same quote
    when `order` names one."""

    def same(field: str, given: str) -> bool:
        stored = record.get(field)
        return isinstance(stored, str) and soql.to_18(stored) == soql.to_18(given)

    return same("AccountId", order.account_id) and (
        order.quote_id is None or same("QuoteId", order.quote_id)
    )


def _item_key(item: Any) -> str:
    return f"sku:{item.sku}" if item.sku else f"product:{item.product_id}"


def _raise_for_item_failures(body: Any) -> None:
    if not isinstance(body, list):
        return
    failures = [
        error
        for result in body
        if isinstance(result, dict) and not result.get("success", True)
        for error in result.get("errors", [])
        if error.get("statusCode") != "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    ]
    if failures:
        raise RecordRejected(
            f"The CRM rejected an order item: {failures[0].get('message', '')}",
            errors=field_errors(failures),
        )
