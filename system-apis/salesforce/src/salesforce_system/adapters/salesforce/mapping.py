"""Translation between Salesforce records (sObject field names) and this API's resources."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from salesforce_system.domain.models import (
    AccountCreate,
    AccountOverviewRead,
    AccountRead,
    AccountUpdate,
    Address,
    AddressInput,
    ContactRead,
    OpportunityRead,
    OrderItemRead,
    OrderRead,
    ProductRead,
    ProductUpsert,
    QuoteAccount,
    QuoteLineRead,
    QuoteRead,
)
from trivium.schemas import Money

Record = dict[str, Any]

ACCOUNT_FIELDS = (
    "Id", "Name", "AccountNumber", "ERP_Customer_Number__c", "Phone", "Website", "Industry",
    "BillingStreet", "BillingCity", "BillingPostalCode", "BillingState", "BillingCountry",
    "OwnerId", "LastModifiedDate",
)  # fmt: skip
CONTACT_FIELDS = ("Id", "AccountId", "FirstName", "LastName", "Email", "Phone", "Title")
OPPORTUNITY_FIELDS = ("Id", "AccountId", "Name", "StageName", "Amount", "CloseDate", "Probability")
PRODUCT_FIELDS = (
    "Id", "ERP_Material__c", "ProductCode", "Name", "Description", "Family",
    "Available_Quantity__c", "IsActive",
)  # fmt: skip
QUOTE_FIELDS = (
    "Id", "Name", "QuoteNumber", "Status", "ExpirationDate", "OpportunityId", "GrandTotal",
    "Account.Id", "Account.Name", "Account.AccountNumber", "Account.ERP_Customer_Number__c",
    "Account.OwnerId", "Account.Owner.Username",
)  # fmt: skip
QUOTE_LINE_FIELDS = (
    "Id", "Product2Id", "Product2.Name", "Product2.ProductCode", "Product2.ERP_Material__c",
    "Quantity", "UnitPrice", "Discount", "TotalPrice",
)  # fmt: skip
ORDER_FIELDS = (
    "Id", "OrderNumber", "AccountId", "QuoteId", "Status", "ERP_Order_Number__c", "ERP_Status__c",
    "PoNumber", "EffectiveDate", "TotalAmount",
)  # fmt: skip
ORDER_ITEM_FIELDS = (
    "Id", "Product2Id", "Product2.ERP_Material__c", "Quantity", "UnitPrice", "TotalPrice",
)  # fmt: skip

# Our JSON pointers for Salesforce fields, so validation errors speak this API's language.
FIELD_POINTERS: dict[str, str] = {
    "Name": "/name",
    "AccountNumber": "/accountNumber",
    "ERP_Customer_Number__c": "/erpCustomerNumber",
    "Phone": "/phone",
    "Website": "/website",
    "Industry": "/industry",
    "BillingStreet": "/billingAddress/street",
    "BillingCity": "/billingAddress/city",
    "BillingPostalCode": "/billingAddress/postalCode",
    "BillingState": "/billingAddress/region",
    "BillingCountry": "/billingAddress/country",
    "OwnerId": "/ownerId",
    "AccountId": "/accountId",
    "EffectiveDate": "/effectiveDate",
    "QuoteId": "/quoteId",
    "OpportunityId": "/opportunityId",
    "PoNumber": "/purchaseOrderNumber",
    "ERP_Order_Number__c": "/erpOrderNumber",
    "ERP_Status__c": "/erpStatus",
    "Status": "/status",
    "Quantity": "/items/quantity",
    "UnitPrice": "/items/unitPrice",
    "PricebookEntryId": "/items/sku",
    "ERP_Material__c": "/sku",
    "ProductCode": "/productCode",
    "Description": "/description",
    "Family": "/family",
    "Available_Quantity__c": "/availableQuantity",
    "IsActive": "/isActive",
    "ERP_List_Price__c": "/listPrice",
}


def pointer_for(field: str) -> str:
    """Our JSON pointer for a Salesforce field name (fields we do not expose map to `/`)."""
    return FIELD_POINTERS.get(field, "/")


def _money(value: Any, currency: str) -> Money | None:
    return None if value is None else Money(amount=Decimal(str(value)), currency=currency)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _date(value: Any) -> date | None:
    return None if not value else date.fromisoformat(str(value)[:10])


def _datetime(value: Any) -> datetime | None:
    return None if not value else datetime.fromisoformat(str(value))


def _parent(record: Record, relationship: str) -> Record:
    parent = record.get(relationship)
    return parent if isinstance(parent, dict) else {}


def _children(record: Record, relationship: str) -> list[Record]:
    children = record.get(relationship)
    return list(children.get("records", [])) if isinstance(children, dict) else []


def account_from_record(record: Record) -> AccountRead:
    address_values = (
        record.get("BillingStreet"),
        record.get("BillingCity"),
        record.get("BillingPostalCode"),
        record.get("BillingState"),
        record.get("BillingCountry"),
    )
    return AccountRead(
        id=record["Id"],
        name=record["Name"],
        account_number=record.get("AccountNumber"),
        erp_customer_number=record.get("ERP_Customer_Number__c"),
        phone=record.get("Phone"),
        website=record.get("Website"),
        industry=record.get("Industry"),
        billing_address=Address(
            street=address_values[0],
            city=address_values[1],
            postal_code=address_values[2],
            region=address_values[3],
            country=address_values[4],
        )
        if any(address_values)
        else None,
        owner_id=record.get("OwnerId"),
        owner_username=_parent(record, "Owner").get("Username"),
        last_modified_at=_datetime(record.get("LastModifiedDate")),
    )


ADDRESS_FIELDS = {
    "street": "BillingStreet",
    "city": "BillingCity",
    "postal_code": "BillingPostalCode",
    "region": "BillingState",
    "country": "BillingCountry",
}


def _address_fields(address: AddressInput | None) -> Record:
    """Billing address fields the client sent (a field sent as null is cleared)."""
    if address is None:
        return {}
    return {ADDRESS_FIELDS[name]: getattr(address, name) for name in address.model_fields_set}


def account_fields(account: AccountCreate | AccountUpdate) -> Record:
    """The Account fields to write: only those the client sent (explicit nulls clear a field)."""
    names = {
        "name": "Name",
        "account_number": "AccountNumber",
        "erp_customer_number": "ERP_Customer_Number__c",
        "phone": "Phone",
        "website": "Website",
        "industry": "Industry",
        "owner_id": "OwnerId",
    }
    fields: Record = {
        sf_name: getattr(account, name)
        for name, sf_name in names.items()
        if name in account.model_fields_set
    }
    fields.update(_address_fields(account.billing_address))
    return fields


def contact_from_record(record: Record) -> ContactRead:
    return ContactRead(
        id=record["Id"],
        account_id=record.get("AccountId"),
        first_name=record.get("FirstName"),
        last_name=record["LastName"],
        email=record.get("Email"),
        phone=record.get("Phone"),
        title=record.get("Title"),
    )


def opportunity_from_record(record: Record, currency: str) -> OpportunityRead:
    return OpportunityRead(
        id=record["Id"],
        account_id=record.get("AccountId"),
        name=record["Name"],
        stage=record["StageName"],
        amount=_money(record.get("Amount"), currency),
        close_date=_date(record.get("CloseDate")),
        probability=_decimal(record.get("Probability")),
    )


def quote_from_record(record: Record, currency: str) -> QuoteRead:
    account = _parent(record, "Account")
    lines = []
    for line in _children(record, "QuoteLineItems"):
        product = _parent(line, "Product2")
        lines.append(
            QuoteLineRead(
                id=line["Id"],
                product_id=line["Product2Id"],
                sku=product.get("ERP_Material__c"),
                product_code=product.get("ProductCode"),
                product_name=product.get("Name"),
                quantity=Decimal(str(line["Quantity"])),
                unit_price=Money(amount=Decimal(str(line["UnitPrice"])), currency=currency),
                discount_percent=_decimal(line.get("Discount")),
                total_price=_money(line.get("TotalPrice"), currency),
            )
        )
    return QuoteRead(
        id=record["Id"],
        name=record["Name"],
        quote_number=record.get("QuoteNumber"),
        status=record["Status"],
        expiration_date=_date(record.get("ExpirationDate")),
        opportunity_id=record.get("OpportunityId"),
        account=QuoteAccount(
            id=account["Id"],
            name=account["Name"],
            account_number=account.get("AccountNumber"),
            erp_customer_number=account.get("ERP_Customer_Number__c"),
            owner_id=account.get("OwnerId"),
            owner_username=_parent(account, "Owner").get("Username"),
        )
        if account
        else None,
        lines=lines,
        total=_money(record.get("GrandTotal"), currency),
    )


def order_from_record(record: Record, currency: str) -> OrderRead:
    items = [
        OrderItemRead(
            id=item["Id"],
            product_id=item.get("Product2Id"),
            sku=_parent(item, "Product2").get("ERP_Material__c"),
            quantity=Decimal(str(item["Quantity"])),
            unit_price=Money(amount=Decimal(str(item["UnitPrice"])), currency=currency),
            total_price=_money(item.get("TotalPrice"), currency),
        )
        for item in _children(record, "OrderItems")
    ]
    return OrderRead(
        id=record["Id"],
        order_number=record.get("OrderNumber"),
        account_id=record["AccountId"],
        quote_id=record.get("QuoteId"),
        status=record["Status"],
        erp_order_number=record.get("ERP_Order_Number__c"),
        erp_status=record.get("ERP_Status__c"),
        purchase_order_number=record.get("PoNumber"),
        effective_date=_date(record.get("EffectiveDate")),
        total=_money(record.get("TotalAmount"), currency),
        items=items,
    )


def product_from_record(record: Record) -> ProductRead:
    return ProductRead(
        id=record["Id"],
        sku=record.get("ERP_Material__c"),
        product_code=record.get("ProductCode"),
        name=record["Name"],
        description=record.get("Description"),
        family=record.get("Family"),
        available_quantity=_decimal(record.get("Available_Quantity__c")),
        is_active=bool(record.get("IsActive")),
    )


def product_fields(product: ProductUpsert) -> Record:
    """Product2 fields to upsert by ERP material: only those the caller sent."""
    names = {
        "sku": "ERP_Material__c",
        "name": "Name",
        "product_code": "ProductCode",
        "description": "Description",
        "family": "Family",
        "available_quantity": "Available_Quantity__c",
        "is_active": "IsActive",
        "list_price": "ERP_List_Price__c",
    }
    fields: Record = {}
    for name, sf_name in names.items():
        if name in product.model_fields_set or name == "sku":
            value = getattr(product, name)
            fields[sf_name] = float(value) if isinstance(value, Decimal) else value
    return fields


def account_overview_from_record(record: Record, currency: str) -> AccountOverviewRead:
    """An Account row read with `Owner.Username` and its Contacts and Opportunities subqueries."""
    owner = _parent(record, "Owner")
    return AccountOverviewRead(
        account=account_from_record(record),
        owner_username=owner.get("Username"),
        contacts=[contact_from_record(child) for child in _children(record, "Contacts")],
        open_opportunities=[
            opportunity_from_record(child, currency) for child in _children(record, "Opportunities")
        ],
    )
