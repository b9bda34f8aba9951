"""The EDM model of API_MATERIAL_STOCK_SRV: stock per material, plant, location and stock type.

All sets are read-only, as in SAP: stock changes by goods movements (here: the deliveries of
the order lifecycle and the admin API), never through this service.
"""

from __future__ import annotations

from s4hana_emulator.odata.model import ServiceModel, entity_set, to_many, to_one

SERVICE = "API_MATERIAL_STOCK_SRV"

MATERIAL_STOCK = """
    Material                        String(40)     key upper        [Material]
    MaterialBaseUnit                String(3)      uom              [Base Unit of Measure]
"""

STOCK_IN_ACCOUNT_MODEL = """
    Material                        String(40)     key upper        [Stock Material]
    Plant                           String(4)      key upper        [Plant]
    StorageLocation                 String(4)      key upper        [Storage Location]
    Batch                           String(10)     key upper        [Batch SID]
    Supplier                        String(10)     key upper        [Supplier SID]
    Customer                        String(10)     key upper        [Customer SID]
    WBSElementInternalID            String(8)      key              [WBS Internal ID]
    SDDocument                      String(10)     key upper        [Sales order]
    SDDocumentItem                  String(6)      key              [Sales order item]
    InventorySpecialStockType       String(1)      key upper        [Special Stock Type]
    InventoryStockType              String(2)      key upper        [Stock Type]
    WBSElementExternalID            String(24)                      [WBS Element]
    MaterialBaseUnit                String(3)      uom              [Base Unit of Measure]
    MatlWrhsStkQtyInMatlBaseUnit    Decimal(31,14) unit=MaterialBaseUnit
"""

MATERIAL_STOCK_VIEW = """
SELECT Material, MAX(MaterialBaseUnit) AS MaterialBaseUnit
FROM A_MatlStkInAcctMod GROUP BY Material
"""


def build_model() -> ServiceModel:
    """API_MATERIAL_STOCK_SRV (serial numbers are not emulated)."""
    material = ("Material", "Material")
    sets = (
        entity_set(
            "A_MaterialStock",
            MATERIAL_STOCK,
            label="Material Stock",
            navigations=(to_many("to_MatlStkInAcctMod", "A_MatlStkInAcctMod", material),),
            view_sql=MATERIAL_STOCK_VIEW,
            read_only=True,
        ),
        entity_set(
            "A_MatlStkInAcctMod",
            STOCK_IN_ACCOUNT_MODEL,
            label="Stock in Account Model",
            navigations=(to_one("to_MaterialStock", "A_MaterialStock", material, required=True),),
            read_only=True,
        ),
    )
    return ServiceModel(SERVICE, sets, component="MM-IM-GF")
