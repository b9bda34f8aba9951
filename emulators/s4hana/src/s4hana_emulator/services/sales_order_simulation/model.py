"""The EDM model of API_SALES_ORDER_SIMULATION_SRV: a sales order priced, checked for
availability and credit as if it were created, and not saved.

A simulation is a deep insert of A_SalesOrderSimulation with its items; the answer carries the
items' net values and pricing elements, their schedule lines (what the availability check
confirms) and, when the request names them (`"to_Pricing": {}`, `"to_Credit": {}`), the order's
pricing totals and credit check status. The simulated order has no number (`SalesOrder` is
empty), as in S/4HANA.
"""

from __future__ import annotations

from s4hana_emulator.odata.model import ServiceModel, entity_set, to_many, to_one

SERVICE = "API_SALES_ORDER_SIMULATION_SRV"

SIMULATION = """
    SalesOrder                      String(10)     key          [Sales Order]
    SalesOrderType                  String(4)                   [Sales Order Type]
    SalesOrganization               String(4)                   [Sales Organization]
    DistributionChannel             String(2)                   [Distribution Channel]
    OrganizationDivision            String(2)                   [Division]
    SoldToParty                     String(10)     upper        [Sold-to Party]
    PurchaseOrderByCustomer         String(35)                  [Customer Reference]
    CustomerPurchaseOrderDate       DateTime                    [Customer Reference Date]
    SalesOrderDate                  DateTime                    [Document Date]
    PricingDate                     DateTime                    [Pricing Date]
    RequestedDeliveryDate           DateTime                    [Requested Delivery Date]
    TransactionCurrency             String(5)      currency     [Document Currency]
    CustomerPaymentTerms            String(4)                   [Terms of Payment]
    TotalNetAmount                  Decimal(16,3)  ro unit=TransactionCurrency [Net Value]
"""

ITEM = """
    SalesOrder                      String(10)     key ro       [Sales Order]
    SalesOrderItem                  String(6)      key alpha    [Item]
    SalesOrderItemCategory          String(4)                   [Item Category]
    SalesOrderItemText              String(40)                  [Item Description]
    Material                        String(40)                  [Material]
    RequestedQuantity               Decimal(15,3)  unit=RequestedQuantityUnit [Requested Quantity]
    RequestedQuantityUnit           String(3)      uom          [Requested Qty Unit]
    ProductionPlant                 String(4)                   [Plant]
    NetAmount                       Decimal(16,3)  ro unit=TransactionCurrency [Net Value]
    TransactionCurrency             String(5)      ro currency  [Document Currency]
"""

ITEM_PRICING_ELEMENT = """
    SalesOrder                      String(10)     key ro       [Sales Order]
    SalesOrderItem                  String(6)      key ro alpha [Item]
    PricingProcedureStep            String(3)      key alpha    [Step]
    PricingProcedureCounter         String(3)      key alpha    [Counter]
    ConditionType                   String(4)                   [Condition Type]
    ConditionRateValue              Decimal(24,9)               [Rate]
    ConditionCurrency               String(5)      currency     [Condition Currency]
    ConditionQuantity               Decimal(5,0)   unit=ConditionQuantityUnit [Pricing Unit]
    ConditionQuantityUnit           String(3)      uom          [Condition Unit]
    ConditionAmount                 Decimal(16,3)  ro unit=TransactionCurrency [Condition Value]
    TransactionCurrency             String(5)      ro currency  [Document Currency]
    ConditionInactiveReason         String(1)      ro           [Inactive]
    ConditionIsManuallyChanged      Boolean        ro           [Condition Changed]
"""

SCHEDULE_LINE = """
    SalesOrder                      String(10)     key ro       [Sales Order]
    SalesOrderItem                  String(6)      key ro alpha [Item]
    ScheduleLine                    String(4)      key alpha    [Schedule Line Number]
    RequestedDeliveryDate           DateTime       ro           [Requested Delivery Date]
    ConfirmedDeliveryDate           DateTime       ro           [Confirmed Delivery Date]
    OrderQuantityUnit               String(3)      ro uom       [Sales Unit]
    ScheduleLineOrderQuantity       Decimal(13,3)  ro unit=OrderQuantityUnit [Order Quantity]
    ConfdOrderQtyByMatlAvailCheck   Decimal(13,3)  ro unit=OrderQuantityUnit [Confirmed Quantity]
"""

PRICING = """
    SalesOrder                      String(10)     key ro       [Sales Order]
    TotalNetAmount                  Decimal(16,3)  ro unit=TransactionCurrency [Net Value]
    TransactionCurrency             String(5)      ro currency  [Document Currency]
"""

CREDIT = """
    SalesOrder                      String(10)     key ro       [Sales Order]
    TotalCreditCheckStatus          String(1)      ro           [Credit Status]
"""

ORDER_KEY = ("SalesOrder", "SalesOrder")
ITEM_KEY = (ORDER_KEY, ("SalesOrderItem", "SalesOrderItem"))


def build_model() -> ServiceModel:
    """API_SALES_ORDER_SIMULATION_SRV (partners and value-added services are not emulated)."""
    sets = (
        entity_set(
            "A_SalesOrderSimulation",
            SIMULATION,
            label="Sales Order Simulation",
            updatable=False,
            deletable=False,
            navigations=(
                to_many("to_Item", "A_SalesOrderItemSimulation", ORDER_KEY),
                to_one("to_Pricing", "A_SalesOrderPricingSimulation", ORDER_KEY, owned=True),
                to_one("to_Credit", "A_SalesOrderCreditSimulation", ORDER_KEY, owned=True),
            ),
        ),
        entity_set(
            "A_SalesOrderItemSimulation",
            ITEM,
            label="Sales Order Item Simulation",
            updatable=False,
            deletable=False,
            navigations=(
                to_many("to_PricingElement", "A_SalesOrderItmPrcgElmntSimln", *ITEM_KEY),
                to_many("to_ScheduleLine", "A_SalesOrderScheduleLineSimln", *ITEM_KEY),
            ),
        ),
        entity_set(
            "A_SalesOrderItmPrcgElmntSimln",
            ITEM_PRICING_ELEMENT,
            label="Item Pricing Element Simulation",
            updatable=False,
            deletable=False,
        ),
        entity_set(
            "A_SalesOrderScheduleLineSimln",
            SCHEDULE_LINE,
            label="Schedule Line Simulation",
            updatable=False,
            deletable=False,
        ),
        entity_set(
            "A_SalesOrderPricingSimulation",
            PRICING,
            label="Pricing Simulation",
            updatable=False,
            deletable=False,
        ),
        entity_set(
            "A_SalesOrderCreditSimulation",
            CREDIT,
            label="Credit Simulation",
            updatable=False,
            deletable=False,
        ),
    )
    return ServiceModel(SERVICE, sets, component="SD-SLS-API")
