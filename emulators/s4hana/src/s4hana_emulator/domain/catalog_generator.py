"""Generated materials for volume tests: a product, its description, stock and list price each.

The demo catalog has 40 materials; batch syncs are measured on tens of thousands. Generated
materials look like the demo ones (finished goods in sales area 1010/10/00, plant 1010, PPR0
price in EUR) and are numbered `<prefix><n>` so that a test can tell them apart.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from emulator_kit.demo_company import PRODUCTS
from s4hana_emulator.domain.seed import PLANT, SALES_AREA
from s4hana_emulator.odata.engine import ODataEngine
from s4hana_emulator.odata.rules import complete_row, stamp_created
from s4hana_emulator.odata.sql import quote
from s4hana_emulator.odata.values import date_to_ms, format_decimal
from s4hana_emulator.services.pricing.rules import OPEN_END
from s4hana_emulator.services.stock.availability import STOCK_SET, UNRESTRICTED

PRICE_CONDITION_TYPE = "PPR0"


@dataclass(frozen=True)
class GeneratedCatalog:
    count: int
    first: str
    last: str


def material_number(prefix: str, number: int, *, width: int) -> str:
    return f"{prefix}{number:0{width}d}"


def generated_price(number: int) -> Decimal:
    return Decimal(10 + (number * 31) % 990) + Decimal("0.25") * (number % 4)


def generated_stock(number: int) -> Decimal:
    return Decimal((number * 17) % 750)


def _material_rows(
    material: str, number: int, *, record: str, valid_from: int
) -> dict[str, dict[str, Any]]:
    """The rows of one generated material, per entity set."""
    return {
        "A_Product": {
            "Product": material, "ProductType": "FERT", "BaseUnit": "PC", "Division": "00",
            "ProductGroup": f"L00{1 + number % 4}", "ItemCategoryGroup": "NORM",
            "IndustrySector": "M",
        },
        "A_ProductDescription": {
            "Product": material, "Language": "EN",
            "ProductDescription": f"{PRODUCTS[number % len(PRODUCTS)]} {material}",
        },
        STOCK_SET: {
            "Material": material, "Plant": PLANT, "StorageLocation": "101A", "Batch": "",
            "Supplier": "", "Customer": "", "WBSElementInternalID": "", "SDDocument": "",
            "SDDocumentItem": "", "InventorySpecialStockType": "",
            "InventoryStockType": UNRESTRICTED, "MaterialBaseUnit": "PC",
            "MatlWrhsStkQtyInMatlBaseUnit": format_decimal(generated_stock(number), 14),
        },
        "A_SlsPrcgConditionRecord": {
            "ConditionRecord": record, "ConditionType": PRICE_CONDITION_TYPE,
            "ConditionTable": "304", "ConditionRateValue": f"{generated_price(number):.3f}",
            "ConditionRateValueUnit": "EUR", "ConditionCurrency": "EUR",
            "ConditionQuantity": "1", "ConditionQuantityUnit": "PC",
            "ConditionValidityStartDate": valid_from, "ConditionValidityEndDate": OPEN_END,
            "ConditionApplication": "V", "ConditionCalculationType": "C", "BaseUnit": "PC",
        },
        "A_SlsPrcgCndnRecdValidity": {
            "ConditionRecord": record, "SalesOrganization": SALES_AREA["SalesOrganization"],
            "DistributionChannel": SALES_AREA["DistributionChannel"], "Material": material,
            "Customer": "", "ConditionType": PRICE_CONDITION_TYPE, "ConditionApplication": "V",
            "ConditionValidityStartDate": valid_from, "ConditionValidityEndDate": OPEN_END,
        },
    }  # fmt: skip


def generate_catalog(engine: ODataEngine, *, count: int, prefix: str) -> GeneratedCatalog:
    """Add `count` materials `<prefix>000001`... (one transaction; existing numbers skipped).

    Rows are completed and stamped as any insert is, then written a set at a time: tens of
    thousands of materials take seconds, not minutes.
    """
    ctx = engine.context("ADMIN")
    today = ctx.clock.now().date()
    valid_from = date_to_ms(date(today.year - 1, 1, 1))
    width = max(6, len(str(count)))
    with engine.store.transaction() as conn:
        existing = {
            str(row["Product"])
            for row in engine.store.query(
                "SELECT Product FROM A_Product WHERE Product LIKE ?", (f"{prefix}%",)
            )
        }
        # Numbered once, then counted up: a range lookup per record would scan the table.
        record = int(ctx.next_number("A_SlsPrcgConditionRecord", "ConditionRecord", start=1))
        batches: dict[str, list[dict[str, Any]]] = defaultdict(list)
        # Defaults and creation stamps are the same for every row of a set: made once.
        templates: dict[str, dict[str, Any]] = {}
        for number in range(1, count + 1):
            material = material_number(prefix, number, width=width)
            if material in existing:
                continue
            rows = _material_rows(material, number, record=str(record), valid_from=valid_from)
            for set_name, values in rows.items():
                if set_name not in templates:
                    entity_set = engine.entity_set(set_name)
                    templates[set_name] = complete_row(entity_set, {})
                    stamp_created(entity_set, templates[set_name], clock=ctx.clock, user=ctx.user)
                batches[set_name].append({**templates[set_name], **values})
            record += 1
        for set_name, rows_of_set in batches.items():
            names = [prop.name for prop in engine.entity_set(set_name).properties]
            conn.executemany(
                f"INSERT INTO {quote(set_name)} ({', '.join(map(quote, names))}) "
                f"VALUES ({', '.join('?' for _ in names)})",
                [[row.get(name) for name in names] for row in rows_of_set],
            )
    return GeneratedCatalog(
        count=count,
        first=material_number(prefix, 1, width=width),
        last=material_number(prefix, count, width=width),
    )
