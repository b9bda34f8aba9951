"""The deterministic demo system: customers, materials with stock and prices, credit, history.

Loaded into an empty database it always holds the same records (dates are relative to the day
of loading). It lines up with the Salesforce emulator's demo org through these keys:

| S/4HANA                                         | Salesforce                                  |
|-------------------------------------------------|---------------------------------------------|
| BusinessPartner = Customer 1000001..1000003     | Account.ERP_Customer_Number__c 1000001..03, |
|   (SearchTerm2 P-1001..P-1003)                  |   AccountNumber P-1001..P-1003 (partners)   |
| Product MAT-0001..MAT-0040 (same descriptions)  | Product2.ERP_Material__c MAT-0001..MAT-0040 |

Customers 1000004..1000050 exist in the ERP only. Everything is in sales area 1010/10/00
(EUR), company code 1010, plant 1010, credit segment 1000. Stock at plant 1010: every tenth
material is out of stock (MAT-0010, -0020, -0030, -0040), every tenth from the fifth is low
(MAT-0005, -0015, -0025, -0035: under 10 pieces). Customer 1000001 has its own price for
MAT-0001. Credit: 1000003 is close to its limit, 1000050 is blocked in credit management,
1000049 has an order block. History: orders 1..12, nine of them delivered and billed (invoices
90000001..), some of those invoices paid.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import emulator_kit.demo_company as demo
from s4hana_emulator.domain.lifecycle import bill_order, deliver_order
from s4hana_emulator.odata.engine import ODataEngine
from s4hana_emulator.odata.rules import Draft, WriteContext
from s4hana_emulator.odata.store import Row
from s4hana_emulator.odata.values import date_to_ms
from s4hana_emulator.odata.writes import create_tree
from s4hana_emulator.services.stock.availability import set_stock

_GERMAN = (
    "Kreiselpumpe", "Absperrschieber", "Kugelhahn", "Drucksensor", "Durchflussmesser",
    "Steuereinheit", "Getriebemotor", "Wellendichtung", "Filterpatrone", "Servicesatz",
)  # fmt: skip
SALES_AREA = {"SalesOrganization": "1010", "DistributionChannel": "10", "Division": "00"}
PLANT = "1010"


def _draft(
    engine: ODataEngine, set_name: str, values: dict[str, Any], **children: list[Draft]
) -> Draft:
    return Draft(engine.entity_set(set_name), values, dict(children))


def customer_tree(
    engine: ODataEngine,
    *,
    number: str,
    name: str,
    address: dict[str, Any] | None,
    payment_terms: str = "0001",
    search_term2: str = "",
    order_block: str = "",
    external_id: str | None = None,
    vat_id: str | None = None,
    phone: str | None = None,
) -> Draft:
    """A business partner with the customer role in the sales area and company code, its
    address (with the phone number as the default one) when given."""
    sales_area = _draft(
        engine, "A_CustomerSalesArea",
        {**SALES_AREA, "Currency": "EUR", "CustomerPaymentTerms": payment_terms,
         "ShippingCondition": "01", "IncotermsClassification": "EXW", "SupplyingPlant": PLANT,
         "OrderIsBlockedForCustomer": order_block},
    )  # fmt: skip
    company = _draft(
        engine,
        "A_CustomerCompany",
        {"CompanyCode": "1010", "ReconciliationAccount": "12100000", "PaymentTerms": "0001"},
    )
    customer = _draft(
        engine, "A_Customer",
        {"CustomerAccountGroup": "CUST", **({"VATRegistration": vat_id} if vat_id else {})},
        to_CustomerSalesArea=[sales_area], to_CustomerCompany=[company],
    )  # fmt: skip
    addresses = []
    if address is not None:
        phones = (
            [
                _draft(
                    engine,
                    "A_AddressPhoneNumber",
                    {"PhoneNumber": phone, "IsDefaultPhoneNumber": True},
                )
            ]
            if phone
            else []
        )
        addresses.append(
            _draft(
                engine,
                "A_BusinessPartnerAddress",
                {**address, "Language": "DE"},
                **({"to_PhoneNumber": phones} if phones else {}),
            )
        )
    return _draft(
        engine, "A_BusinessPartner",
        {"BusinessPartner": number, "BusinessPartnerCategory": "2",
         "BusinessPartnerGrouping": "BP02", "OrganizationBPName1": name[:40],
         "SearchTerm1": name.split()[0].upper()[:20], "SearchTerm2": search_term2,
         **({"BusinessPartnerIDByExtSystem": external_id} if external_id else {}),
         "CorrespondenceLanguage": "DE", "Language": "DE"},
        to_BusinessPartnerAddress=addresses, to_Customer=[customer],
    )  # fmt: skip


def _seed_customer(engine: ODataEngine, ctx: WriteContext, index: int) -> None:
    profile = demo.customer(index)
    number = demo.customer_number(index)
    partner = customer_tree(
        engine,
        number=number,
        name=profile.name,
        address={"Country": "DE", "CityName": profile.city, "PostalCode": profile.postal,
                 "StreetName": profile.street, "HouseNumber": profile.house},
        payment_terms="0004" if index <= 3 else "0001",
        search_term2=profile.account_number,
        order_block="01" if index == demo.CUSTOMER_COUNT - 1 else "",
    )  # fmt: skip
    create_tree(ctx, engine.rules_for, partner)
    _set_credit(ctx, index, number)


def _set_credit(ctx: WriteContext, index: int, partner: str) -> None:
    account = ctx.get(
        "CreditManagementAccount", {"BusinessPartner": partner, "CreditSegment": "1000"}
    )
    assert account is not None
    limit = demo.credit_limit(index)
    ctx.update(
        "CreditManagementAccount",
        account,
        {
            "CreditLimitAmount": f"{limit:.3f}",
            "CreditLimitCalculatedAmount": f"{limit:.3f}",
            "CreditAccountIsBlocked": int(index == demo.CUSTOMER_COUNT),
            "CreditAccountBlockReason": "01" if index == demo.CUSTOMER_COUNT else "",
        },
    )


def add_material(
    engine: ODataEngine,
    ctx: WriteContext,
    *,
    material: str,
    descriptions: dict[str, str],
    product_type: str = "FERT",
    product_group: str = "L001",
    net_weight: Decimal = Decimal(1),
) -> None:
    """A material sold from plant 1010 in sales organization 1010 (no stock, no price yet)."""
    ctx.insert(
        "A_Product",
        {"Product": material, "ProductType": product_type, "BaseUnit": "PC",
         "ProductGroup": product_group, "Division": "00", "ItemCategoryGroup": "NORM",
         "GrossWeight": f"{net_weight * Decimal('1.250'):.3f}",
         "NetWeight": f"{net_weight:.3f}", "WeightUnit": "KG",
         "CountryOfOrigin": "DE", "IndustrySector": "M"},
    )  # fmt: skip
    for language, text in descriptions.items():
        ctx.insert(
            "A_ProductDescription",
            {"Product": material, "Language": language, "ProductDescription": text},
        )
    ctx.insert(
        "A_ProductPlant",
        {
            "Product": material,
            "Plant": PLANT,
            "AvailabilityCheckType": "02",
            "BaseUnit": "PC",
            "ProfitCenter": "YB101",
        },
    )
    ctx.insert(
        "A_ProductSalesDelivery",
        {"Product": material, "ProductSalesOrg": "1010", "ProductDistributionChnl": "10",
         "SupplyingPlant": PLANT, "SalesMeasureUnit": "PC", "ItemCategoryGroup": "NORM",
         "MinimumOrderQuantity": "1.000"},
    )  # fmt: skip


def _seed_material(engine: ODataEngine, ctx: WriteContext, index: int, valid_from: int) -> None:
    material = demo.MATERIALS[index]
    add_material(
        engine,
        ctx,
        material=material,
        descriptions={
            "EN": f"{demo.PRODUCTS[index % len(demo.PRODUCTS)]} {100 + index * 10}",
            "DE": f"{_GERMAN[index % len(_GERMAN)]} {100 + index * 10}",
        },
        product_type="FERT" if index % 3 else "HAWA",
        product_group=f"L00{1 + index % 4}",
        net_weight=Decimal(1 + index % 9),
    )
    # The delivered history orders take their quantities out of this stock again.
    stock = demo.stock_of(index) + demo.delivered_in_history(index)
    # Larger stocks are split over two storage locations, as a warehouse would keep them.
    second = (stock // 3).quantize(Decimal(1)) if stock > 100 else Decimal(0)
    set_stock(ctx, material=material, plant=PLANT, quantity=stock - second)
    if second:
        set_stock(ctx, material=material, plant=PLANT, quantity=second, location="101B")
    add_price(engine, ctx, material, demo.list_price(index), valid_from=valid_from)


def add_price(
    engine: ODataEngine,
    ctx: WriteContext,
    material: str,
    price: Decimal,
    *,
    valid_from: int,
    customer: str = "",
) -> None:
    """A PPR0 price of the material (for one customer, when given) from `valid_from`."""
    validity = _draft(
        engine, "A_SlsPrcgCndnRecdValidity",
        {**{k: v for k, v in SALES_AREA.items() if k != "Division"}, "Material": material,
         "Customer": customer, "ConditionValidityStartDate": valid_from},
    )  # fmt: skip
    record = _draft(
        engine, "A_SlsPrcgConditionRecord",
        {"ConditionType": "PPR0", "ConditionTable": "305" if customer else "304",
         "ConditionRateValue": f"{price:.3f}", "ConditionRateValueUnit": "EUR",
         "ConditionCurrency": "EUR", "ConditionQuantity": "1", "ConditionQuantityUnit": "PC",
         "ConditionValidityStartDate": valid_from, "BaseUnit": "PC"},
        to_SlsPrcgCndnRecdValidity=[validity],
    )  # fmt: skip
    create_tree(ctx, engine.rules_for, record)


def add_order(
    engine: ODataEngine,
    ctx: WriteContext,
    *,
    customer: str,
    reference: str,
    lines: list[tuple[str, Decimal]],
    ordered_on: date,
    number: str | None = None,
) -> Row:
    """A standard order (OR) of the customer in sales area 1010/10/00, created on `ordered_on`
    and numbered `number` (else the next number of the range); returns it as stored."""
    items = [
        _draft(engine, "A_SalesOrderItem", {"Material": material, "RequestedQuantity": f"{q:.3f}"})
        for material, q in lines
    ]
    day = date_to_ms(ordered_on)
    order = _draft(
        engine, "A_SalesOrder",
        {"SalesOrderType": "OR", **{k: v for k, v in SALES_AREA.items() if k != "Division"},
         "OrganizationDivision": "00", "SoldToParty": customer,
         "PurchaseOrderByCustomer": reference, "SalesOrderDate": day, "PricingDate": day,
         "RequestedDeliveryDate": date_to_ms(ordered_on + timedelta(days=5)),
         **({"SalesOrder": number} if number else {})},
        to_Item=items,
    )  # fmt: skip
    row = create_tree(ctx, engine.rules_for, order).row
    ctx.store.update(
        engine.entity_set("A_SalesOrder"), {"SalesOrder": row["SalesOrder"]}, {"CreationDate": day}
    )
    current = ctx.get("A_SalesOrder", {"SalesOrder": row["SalesOrder"]})
    assert current is not None
    return current


def _seed_history(engine: ODataEngine, ctx: WriteContext, today: date) -> None:
    for customer, days_ago, lines, purchase_order, state in demo.HISTORY:
        current = add_order(
            engine,
            ctx,
            customer=demo.customer_number(customer),
            reference=purchase_order,
            lines=[(demo.MATERIALS[m], Decimal(q)) for m, q in lines],
            ordered_on=today - timedelta(days=days_ago),
        )
        if state != "open":
            current = deliver_order(ctx, current)
        if state in ("billed", "paid"):
            invoice = bill_order(ctx, current)
            billed_on = date_to_ms(today - timedelta(days=max(days_ago - 3, 0)))
            ctx.update(
                "A_BillingDocument",
                invoice,
                {
                    "BillingDocumentDate": billed_on,
                    "CreationDate": billed_on,
                    "InvoiceClearingStatus": "C" if state == "paid" else "A",
                },
            )


def load_demo_data(engine: ODataEngine) -> None:
    """Fill an empty database with the demo system (one transaction)."""
    ctx = engine.context("SEED")
    today = ctx.clock.now().date()
    valid_from = date_to_ms(date(today.year - 1, 1, 1))
    with engine.store.transaction():
        for index in range(len(demo.MATERIALS)):
            _seed_material(engine, ctx, index, valid_from)
        add_price(
            engine,
            ctx,
            demo.MATERIALS[0],
            demo.list_price(0) * Decimal("0.9"),
            valid_from=valid_from,
            customer=demo.customer_number(1),
        )
        for index in range(1, demo.CUSTOMER_COUNT + 1):
            _seed_customer(engine, ctx, index)
        _seed_history(engine, ctx, today)
