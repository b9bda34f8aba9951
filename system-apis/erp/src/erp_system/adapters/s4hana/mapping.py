"""SAP entities to this API's resources and back: the only place that knows both vocabularies."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from erp_system.adapters.s4hana import status
from erp_system.adapters.s4hana.wire import (
    expanded,
    expanded_one,
    format_date,
    format_decimal,
    parse_date,
)
from erp_system.adapters.values import parse_decimal, text
from erp_system.domain.models import (
    Address,
    AddressInput,
    CreditCheck,
    CustomerCreate,
    CustomerRead,
    InvoiceRead,
    OrderPricing,
    ProductRead,
    SalesArea,
    SalesOrderCreate,
    SalesOrderLineCreate,
    SalesOrderLineRead,
    SalesOrderRead,
    SalesOrderSimulate,
    SalesOrderUpdate,
)
from trivium.schemas import Money

NAME_LINE = 40
NAME_LINES = 4
_CURRENCY = re.compile(r"^[A-Z]{3}$")

Entity = Mapping[str, Any]


@dataclass(frozen=True)
class SalesDefaults:
    """What a new customer or order gets when the request does not say (from settings)."""

    sales_organization: str
    distribution_channel: str
    division: str
    currency: str
    payment_terms: str
    company_code: str
    reconciliation_account: str
    bp_grouping: str
    customer_account_group: str
    sales_order_type: str
    manual_price_condition_type: str


def money(amount: Any, currency: Any) -> Money | None:
    """A Money from an Edm.Decimal and a currency code, None when either is missing."""
    value = parse_decimal(amount)
    code = text(currency)
    if value is None or code is None or not _CURRENCY.match(code):
        return None
    return Money(amount=value, currency=code)


def split_name(name: str) -> list[str]:
    """A name as up to four 40-character lines, broken between words where that fits, else
    every 40 characters: a name the four lines can hold is never cut short."""
    lines: list[str] = []
    whole = rest = " ".join(name.split())
    while rest:
        if len(rest) <= NAME_LINE:
            lines.append(rest)
            break
        cut = rest.rfind(" ", 0, NAME_LINE + 1)
        cut = cut if cut > 0 else NAME_LINE
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if len(lines) > NAME_LINES:
        lines = [whole[start : start + NAME_LINE] for start in range(0, len(whole), NAME_LINE)]
    return lines[:NAME_LINES]


def partner_name(partner: Entity) -> str:
    """The display name of an organisation or person business partner."""
    lines = [text(partner.get(f"OrganizationBPName{n}")) for n in range(1, NAME_LINES + 1)]
    organisation = " ".join(line for line in lines if line)
    if organisation:
        return organisation
    person = " ".join(
        p for p in (text(partner.get("FirstName")), text(partner.get("LastName"))) if p
    )
    return (
        person
        or text(partner.get("BusinessPartnerFullName"))
        or text(partner.get("BusinessPartnerName"))
        or str(partner.get("BusinessPartner", ""))
    )


def address_from(row: Entity) -> Address:
    return Address(
        street=text(row.get("StreetName")),
        house_number=text(row.get("HouseNumber")),
        city=text(row.get("CityName")),
        postal_code=text(row.get("PostalCode")),
        region=text(row.get("Region")),
        country=text(row.get("Country")),
    )


def sales_area_from(row: Entity) -> SalesArea:
    return SalesArea(
        sales_organization=str(row.get("SalesOrganization", "")),
        distribution_channel=str(row.get("DistributionChannel", "")),
        division=str(row.get("Division", "")),
        currency=text(row.get("Currency")),
        payment_terms=text(row.get("CustomerPaymentTerms")),
        order_blocked=bool(text(row.get("OrderIsBlockedForCustomer"))),
    )


def _default_communication(address: Entity, navigation: str, flag: str, field: str) -> str | None:
    """The default (else the first) e-mail, phone or home page of an expanded address."""
    rows = sorted(expanded(address, navigation), key=lambda row: str(row.get("OrdinalNumber")))
    chosen = next((row for row in rows if row.get(flag) is True), rows[0] if rows else None)
    return text(chosen.get(field)) if chosen else None


def customer_from_partner(partner: Entity) -> CustomerRead:
    """A customer from an A_BusinessPartner with its addresses and customer data expanded."""
    addresses = sorted(
        expanded(partner, "to_BusinessPartnerAddress"), key=lambda row: str(row.get("AddressID"))
    )
    customer = expanded_one(partner, "to_Customer") or {}
    standard = addresses[0] if addresses else {}
    return CustomerRead(
        id=text(partner.get("Customer")) or str(partner["BusinessPartner"]),
        name=partner_name(partner),
        external_id=text(partner.get("BusinessPartnerIDByExtSystem")),
        search_term=text(partner.get("SearchTerm1")),
        language=text(partner.get("CorrespondenceLanguage")) or text(partner.get("Language")),
        blocked=partner.get("BusinessPartnerIsBlocked") is True,
        address=address_from(addresses[0]) if addresses else None,
        sales_areas=[sales_area_from(row) for row in expanded(customer, "to_CustomerSalesArea")],
        created_on=parse_date(partner.get("CreationDate")),
        email=_default_communication(
            standard, "to_EmailAddress", "IsDefaultEmailAddress", "EmailAddress"
        ),
        phone=_default_communication(
            standard, "to_PhoneNumber", "IsDefaultPhoneNumber", "PhoneNumber"
        ),
        website=_default_communication(
            standard, "to_URLAddress", "IsDefaultURLAddress", "WebsiteURL"
        ),
        vat_id=text(customer.get("VATRegistration")),
    )


def address_body(address: AddressInput, *, language: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Country": address.country,
        "CityName": address.city,
        "StreetName": address.street,
        "Language": language,
    }
    optional = {
        "HouseNumber": address.house_number,
        "PostalCode": address.postal_code,
        "Region": address.region,
    }
    body.update({name: value for name, value in optional.items() if value is not None})
    return body


def name_body(name: str) -> dict[str, str]:
    """OrganizationBPName1..4, clearing the lines a shorter name no longer uses."""
    lines = split_name(name)
    lines += [""] * (NAME_LINES - len(lines))
    return {f"OrganizationBPName{n}": line for n, line in enumerate(lines, 1)}


def search_term_for(customer: CustomerCreate) -> str:
    return (customer.search_term or customer.name)[:20].upper()


def partner_create_body(customer: CustomerCreate, defaults: SalesDefaults) -> dict[str, Any]:
    """The deep insert of a business partner with address, customer roles and sales area."""
    area = customer.sales_area
    sales_area = {
        "SalesOrganization": (area and area.sales_organization) or defaults.sales_organization,
        "DistributionChannel": (area and area.distribution_channel)
        or defaults.distribution_channel,
        "Division": (area and area.division) or defaults.division,
        "Currency": (area and area.currency) or defaults.currency,
        "CustomerPaymentTerms": (area and area.payment_terms) or defaults.payment_terms,
    }
    body: dict[str, Any] = {
        "BusinessPartnerCategory": "2",
        "BusinessPartnerGrouping": defaults.bp_grouping,
        **{k: v for k, v in name_body(customer.name).items() if v},
        "SearchTerm1": search_term_for(customer),
        "CorrespondenceLanguage": customer.language,
        "to_BusinessPartnerRole": [
            {"BusinessPartnerRole": "FLCU00"},
            {"BusinessPartnerRole": "FLCU01"},
        ],
        "to_BusinessPartnerAddress": [address_body(customer.address, language=customer.language)],
        "to_Customer": {
            "CustomerAccountGroup": defaults.customer_account_group,
            "to_CustomerCompany": [
                {
                    "CompanyCode": defaults.company_code,
                    "ReconciliationAccount": defaults.reconciliation_account,
                    "PaymentTerms": sales_area["CustomerPaymentTerms"],
                }
            ],
            "to_CustomerSalesArea": [sales_area],
        },
    }
    if customer.external_id:
        body["BusinessPartnerIDByExtSystem"] = customer.external_id
    if customer.vat_id:
        body["to_Customer"]["VATRegistration"] = customer.vat_id
    body["to_BusinessPartnerAddress"][0].update(_communication_body(customer))
    return body


def _communication_body(customer: CustomerCreate) -> dict[str, Any]:
    """The standard address's e-mail, phone and home page, each as its default entry."""
    body: dict[str, Any] = {}
    if customer.email:
        body["to_EmailAddress"] = [{"EmailAddress": customer.email, "IsDefaultEmailAddress": True}]
    if customer.phone:
        body["to_PhoneNumber"] = [{"PhoneNumber": customer.phone, "IsDefaultPhoneNumber": True}]
    if customer.website:
        body["to_URLAddress"] = [
            {
                "WebsiteURL": customer.website,
                "URLFieldLength": len(customer.website),
                "IsDefaultURLAddress": True,
            }
        ]
    return body


def sales_order_create_body(order: SalesOrderCreate, defaults: SalesDefaults) -> dict[str, Any]:
    """The deep insert of a sales order with its items (and ship-to partner when given)."""
    body = _order_body(order, defaults)
    body["PurchaseOrderByCustomer"] = order.external_reference
    if order.ship_to_customer_id:
        body["to_Partner"] = [{"PartnerFunction": "SH", "Customer": order.ship_to_customer_id}]
    for item, line in zip(body["to_Item"], order.lines, strict=True):
        if line.unit_price is not None:
            item["to_PricingElement"] = _manual_price(line, defaults)
    return body


def _order_body(
    order: SalesOrderCreate | SalesOrderSimulate, defaults: SalesDefaults
) -> dict[str, Any]:
    """What an order and its simulation both send: the sales area, the sold-to party, the items
    and the requested delivery date when there is one."""
    body: dict[str, Any] = {
        "SalesOrderType": defaults.sales_order_type,
        "SalesOrganization": defaults.sales_organization,
        "DistributionChannel": defaults.distribution_channel,
        "OrganizationDivision": defaults.division,
        "SoldToParty": order.customer_id,
        "to_Item": [_item_body(number, line) for number, line in enumerate(order.lines, 1)],
    }
    if order.requested_delivery_date is not None:
        body["RequestedDeliveryDate"] = format_date(order.requested_delivery_date)
    return body


def _manual_price(line: SalesOrderLineCreate, defaults: SalesDefaults) -> list[dict[str, str]]:
    """The manual price condition of a line that names its unit price (none for one that does
    not)."""
    if line.unit_price is None:
        return []
    return [
        {
            "ConditionType": defaults.manual_price_condition_type,
            "ConditionRateValue": format_decimal(line.unit_price),
        }
    ]


def _item_body(number: int, line: SalesOrderLineCreate) -> dict[str, Any]:
    item: dict[str, Any] = {
        "SalesOrderItem": str(number * 10),
        "Material": line.sku,
        "RequestedQuantity": format_decimal(line.quantity),
    }
    if line.unit:
        item["RequestedQuantityUnit"] = line.unit
    return item


def sales_order_simulation_body(
    order: SalesOrderSimulate, defaults: SalesDefaults
) -> dict[str, Any]:
    """The deep insert of an order simulation that asks for each item's pricing elements and the
    order's credit check."""
    body = {**_order_body(order, defaults), "to_Credit": {}}
    for item, line in zip(body["to_Item"], order.lines, strict=True):
        item["to_PricingElement"] = _manual_price(line, defaults)
    return body


RECORD_RATE = Decimal("0.001")


def _record_precision(price: Money) -> Money:
    """A pricing element's rate (nine decimals) as its condition record states it (three),
    unless that would round it."""
    amount = price.amount.quantize(RECORD_RATE)
    return price.model_copy(update={"amount": amount}) if amount == price.amount else price


# Credit statuses of SAP's check: A passed, D released by a credit manager, B failed; empty when
# no check ran (no credit account, or no credit management for the sales area).
CREDIT_PASSED = frozenset({"A", "D"})


def order_pricing_from(
    simulation: Entity, *, price_condition_type: str, default_currency: str
) -> OrderPricing:
    """Each sku's own price (the active or inactive list price condition of its first item)
    and the credit check, from an A_SalesOrderSimulation answer."""
    prices: dict[str, Money] = {}
    for item in expanded(simulation, "to_Item"):
        sku = str(item.get("Material") or "")
        for element in expanded(item, "to_PricingElement"):
            if element.get("ConditionType") != price_condition_type or sku in prices:
                continue
            price = unit_price_from(element)
            if price is not None:
                prices[sku] = _record_precision(price)
    credit = expanded_one(simulation, "to_Credit") or {}
    credit_status = text(credit.get("TotalCreditCheckStatus"))
    if credit_status in CREDIT_PASSED:
        check = CreditCheck.PASSED
    else:
        check = CreditCheck.FAILED if credit_status else CreditCheck.NOT_CHECKED
    currency = text(simulation.get("TransactionCurrency")) or default_currency
    return OrderPricing(currency=currency, list_prices=prices, credit_check=check)


def sales_order_update_body(changes: SalesOrderUpdate) -> dict[str, Any]:
    """The PATCH body of the header fields this API lets clients change."""
    body: dict[str, Any] = {}
    if "requested_delivery_date" in changes.model_fields_set:
        day = changes.requested_delivery_date
        body["RequestedDeliveryDate"] = format_date(day) if day else None
    return body


def sales_order_from(order: Entity) -> SalesOrderRead:
    """A sales order from an A_SalesOrder (with `to_Item` expanded when lines are wanted)."""
    currency = order.get("TransactionCurrency")
    return SalesOrderRead(
        id=str(order["SalesOrder"]),
        customer_id=str(order.get("SoldToParty") or ""),
        external_reference=text(order.get("PurchaseOrderByCustomer")),
        status=status.order_status(order),
        delivery_status=status.delivery_progress(order),
        billing_status=status.billing_progress(order),
        credit_blocked=status.is_credit_blocked(order),
        total=money(order.get("TotalNetAmount"), currency),
        created_on=parse_date(order.get("CreationDate") or order.get("SalesOrderDate")),
        requested_delivery_date=parse_date(order.get("RequestedDeliveryDate")),
        lines=[_line_from(item, currency) for item in _sorted_items(expanded(order, "to_Item"))],
    )


def _sorted_items(items: Iterable[Entity]) -> list[Entity]:
    def number(item: Entity) -> tuple[int, str]:
        raw = str(item.get("SalesOrderItem", ""))
        return (int(raw), raw) if raw.isdigit() else (1 << 30, raw)

    return sorted(items, key=number)


def _line_from(item: Entity, currency: Any) -> SalesOrderLineRead:
    return SalesOrderLineRead(
        line_number=str(item.get("SalesOrderItem", "")),
        sku=str(item.get("Material", "")),
        description=text(item.get("SalesOrderItemText")),
        quantity=parse_decimal(item.get("RequestedQuantity")) or Decimal(0),
        unit=text(item.get("RequestedQuantityUnit")) or text(item.get("OrderQuantityUnit")),
        confirmed_quantity=parse_decimal(item.get("ConfdDelivQtyInOrderQtyUnit")),
        net_amount=money(item.get("NetAmount"), item.get("TransactionCurrency") or currency),
    )


def product_from(product: Entity, *, language: str, price: Money | None) -> ProductRead:
    """A product from an A_Product with `to_Description` expanded."""
    descriptions = expanded(product, "to_Description")
    wanted = [d for d in descriptions if str(d.get("Language", "")).upper() == language.upper()]
    chosen = (wanted or descriptions or [{}])[0]
    return ProductRead(
        sku=str(product["Product"]),
        name=text(chosen.get("ProductDescription")),
        product_type=text(product.get("ProductType")),
        product_group=text(product.get("ProductGroup")),
        base_unit=text(product.get("BaseUnit")),
        unit_price=price,
    )


def unit_price_from(record: Entity) -> Money | None:
    """The price per unit of a condition record (its rate divided by its pricing unit)."""
    rate = parse_decimal(record.get("ConditionRateValue"))
    per = parse_decimal(record.get("ConditionQuantity")) or Decimal(1)
    currency = record.get("ConditionRateValueUnit") or record.get("ConditionCurrency")
    if rate is None or per <= 0 or record.get("ConditionIsDeleted") is True:
        return None
    return money(rate / per, currency)


def invoice_from(document: Entity) -> InvoiceRead:
    """An invoice from an A_BillingDocument (with `to_Item` expanded for the order number)."""
    currency = document.get("TransactionCurrency")
    items = expanded(document, "to_Item")
    orders = [text(item.get("SalesDocument")) for item in items]
    net = money(document.get("TotalNetAmount"), currency)
    return InvoiceRead(
        id=str(document["BillingDocument"]),
        customer_id=str(document.get("SoldToParty") or document.get("PayerParty") or ""),
        status=status.invoice_status(document),
        external_reference=text(document.get("PurchaseOrderByCustomer")),
        sales_order_id=next((order for order in orders if order), None),
        invoice_date=parse_date(document.get("BillingDocumentDate")),
        net_amount=net or Money(amount=Decimal(0), currency=text(currency) or "XXX"),
        tax_amount=money(document.get("TaxAmount"), currency),
        gross_amount=money(document.get("TotalGrossAmount"), currency),
    )
