"""The EDM model of API_SALES_ORDER_SRV: orders, items, partners and item pricing elements.

Header, item and partner follow SAP's field catalogue; the pricing element follows the shape
of SAP's A_SalesOrderItemPrElementType. The header's LastChangeDateTime is its concurrency
token: updates need If-Match (428 without, 412 when stale), as in S/4HANA Cloud.
"""

from __future__ import annotations

from s4hana_emulator.odata.model import ServiceModel, entity_set, to_many, to_one

SERVICE = "API_SALES_ORDER_SRV"

SALES_ORDER = """
    SalesOrder                      String(10)     key alpha upper [Sales Order]
    SalesOrderType                  String(4)                   [Sales Order Type]
    SalesOrderTypeInternalCode      String(4)      ro           [Language key]
    SalesOrganization               String(4)                   [Sales Organization]
    DistributionChannel             String(2)                   [Distribution Channel]
    OrganizationDivision            String(2)                   [Division]
    SalesGroup                      String(3)                   [Sales Group]
    SalesOffice                     String(4)                   [Sales Office]
    SalesDistrict                   String(6)                   [Sales District]
    SoldToParty                     String(10)     upper        [Sold-to Party]
    CreationDate                    DateTime       ro           [Created On]
    CreatedByUser                   String(12)     ro           [Created By]
    LastChangeDate                  DateTime       ro           [Changed On]
    SenderBusinessSystemName        String(60)     ro           [Ext. Bus. Syst. ID]
    ExternalDocumentID              String(40)     ro           [External Document ID]
    LastChangeDateTime              DateTimeOffset(7) ro etag      [Time Stamp]
    ExternalDocLastChangeDateTime   DateTimeOffset ro           [External Revision]
    PurchaseOrderByCustomer         String(35)                  [Customer Reference]
    PurchaseOrderByShipToParty      String(35)                  [Customer Reference]
    CustomerPurchaseOrderType       String(4)                   [Purchase Order Type]
    CustomerPurchaseOrderDate       DateTime                    [Customer Reference Date]
    SalesOrderDate                  DateTime                    [Document Date]
    TotalNetAmount                  Decimal(16,3)  ro unit=TransactionCurrency [Net Value]
    OverallDeliveryStatus           String(1)      ro           [Delivery Status]
    TotalBlockStatus                String(1)      ro           [Overall Block Status]
    OverallOrdReltdBillgStatus      String(1)      ro           [Order-Related Billing Status]
    OverallSDDocReferenceStatus     String(1)      ro           [Reference Status]
    TransactionCurrency             String(5)      currency     [Document Currency]
    SDDocumentReason                String(3)                   [Order Reason]
    PricingDate                     DateTime                    [Pricing Date]
    PriceDetnExchangeRate           Decimal(9,5)                [Exchange Rate]
    BillingPlan                     String(10)                  [Bill. Plan No.]
    RequestedDeliveryDate           DateTime                    [Requested Delivery Date]
    ShippingCondition               String(2)                   [Shipping Conditions]
    CompleteDeliveryIsDefined       Boolean                     [Complete Delivery]
    ShippingType                    String(2)                   [Shipping Type]
    HeaderBillingBlockReason        String(2)                   [Billing Block]
    DeliveryBlockReason             String(2)                   [Delivery Block]
    DeliveryDateTypeRule            String(1)                   [Delivery Date Rule]
    IncotermsClassification         String(3)                   [Incoterms]
    IncotermsTransferLocation       String(28)                  [Incoterms (Part 2)]
    IncotermsLocation1              String(70)                  [Incoterms Location 1]
    IncotermsLocation2              String(70)                  [Incoterms Location 2]
    IncotermsVersion                String(4)                   [Incoterms Version]
    CustomerPriceGroup              String(2)                   [Customer Price Group]
    PriceListType                   String(2)                   [Price List Type]
    CustomerPaymentTerms            String(4)                   [Terms of Payment]
    PaymentMethod                   String(1)                   [Payment Method]
    FixedValueDate                  DateTime                    [Fixed Value Date]
    AssignmentReference             String(18)                  [Assignment]
    ReferenceSDDocument             String(10)                  [Reference Document]
    ReferenceSDDocumentCategory     String(4)      ro           [Reference Document Category]
    AccountingDocExternalReference  String(16)                  [Reference]
 CustomerAccountAssignmentGroup String(2) [Account Assignment Group for Customer]
    AccountingExchangeRate          Decimal(9,5)                [Exchng. Rate Accntg.]
    CustomerGroup                   String(2)                   [Customer Group]
    AdditionalCustomerGroup1        String(3)                   [Customer Group 1]
    AdditionalCustomerGroup2        String(3)                   [Customer Group 2]
    AdditionalCustomerGroup3        String(3)                   [Customer Group 3]
    AdditionalCustomerGroup4        String(3)                   [Customer Group 4]
    AdditionalCustomerGroup5        String(3)                   [Customer Group 5]
    SlsDocIsRlvtForProofOfDeliv     Boolean                     [Relevant for Proof of Delivery]
    CustomerTaxClassification1      String(1)                   [Alt.Tax Classific.]
    CustomerTaxClassification2      String(1)                   [Tax Class.2 Customer]
    CustomerTaxClassification3      String(1)                   [Tax Class.3 Customer]
    CustomerTaxClassification4      String(1)                   [Tax Class.4 Customer]
    CustomerTaxClassification5      String(1)                   [Tax Class.5 Customer]
    CustomerTaxClassification6      String(1)                   [Tax Class.6 Customer]
    CustomerTaxClassification7      String(1)                   [Tax Class.7 Customer]
    CustomerTaxClassification8      String(1)                   [Tax Class.8 Customer]
    CustomerTaxClassification9      String(1)                   [Tax Class.9 Customer]
    TaxDepartureCountry             String(3)                   [Tax Departure Country/Region]
    VATRegistrationCountry          String(3)                   [Tax Destination Country/Region]
    SalesOrderApprovalReason        String(4)      ro           [Approval Request Reason]
    SalesDocApprovalStatus          String(1)      ro           [Approval Status]
    OverallSDProcessStatus          String(1)      ro           [Overall Status]
    TotalCreditCheckStatus          String(1)      ro           [Credit Status]
    OverallTotalDeliveryStatus      String(1)      ro           [Ovrl Delivery Status]
    OverallSDDocumentRejectionSts   String(1)      ro           [Rejection Status]
    BillingDocumentDate             DateTime                    [Billing Date]
    ContractAccount                 String(12)                  [Contract Account]
    AdditionalValueDays             String(2)                   [Addit. Value Days]
    CustomerPurchaseOrderSuplmnt    String(4)                   [Supplement]
    ServicesRenderedDate            DateTime                    [Date of Services Rendered]
"""

SALES_ORDER_ITEM = """
    SalesOrder                      String(10)     key ro alpha upper [Sales Order]
    SalesOrderItem                  String(6)      key alpha    [Item]
    HigherLevelItem                 String(6)                   [Higher-Level Item]
    HigherLevelItemUsage            String(1)      ro           [Usage of HL Item]
    SalesOrderItemCategory          String(4)                   [Item Category]
    SalesOrderItemText              String(40)                  [Item Description]
    PurchaseOrderByCustomer         String(35)                  [Customer Reference]
    PurchaseOrderByShipToParty      String(35)                  [Customer Reference]
    UnderlyingPurchaseOrderItem     String(6)                   [Purchase Order Item]
    ExternalItemID                  String(40)     ro           [External Item ID]
    Material                        String(40)                  [Material]
    MaterialByCustomer              String(35)                  [Customer Material]
    PricingDate                     DateTime                    [Pricing Date]
    PricingReferenceMaterial        String(40)                  [Pricing Ref. Matl]
    BillingPlan                     String(10)                  [Bill. Plan No.]
    RequestedQuantity               Decimal(15,3)  unit=RequestedQuantityUnit [Requested Quantity]
    RequestedQuantityUnit           String(3)      uom          [Requested Qty Unit]
    RequestedQuantitySAPUnit        String(3)                   [SAP Code Req. Qty]
    RequestedQuantityISOUnit        String(3)                   [ISO Code Req. Qty]
    OrderQuantityUnit               String(3)      ro uom       [Sales Unit]
    OrderQuantitySAPUnit            String(3)      ro           [SAP Order Quantity]
    OrderQuantityISOUnit            String(3)      ro           [ISO Order Quantity]
    ConfdDelivQtyInOrderQtyUnit     Decimal(15,3)  ro unit=OrderQuantityUnit [Confirmed Quantity]
    ItemGrossWeight                 Decimal(15,3)  ro unit=ItemWeightUnit [Gross Weight]
    ItemNetWeight                   Decimal(15,3)  ro unit=ItemWeightUnit [Net Weight]
    ItemWeightUnit                  String(3)      ro           [Unit of Weight]
    ItemWeightSAPUnit               String(3)                   [SAP Code Item Weight]
    ItemWeightISOUnit               String(3)                   [ISO Code Item Weight]
    ItemVolume                      Decimal(15,3)  ro           [Volume]
    ItemVolumeUnit                  String(3)      ro           [Volume Unit]
    ItemVolumeSAPUnit               String(3)                   [SAP Code f Item Vol.]
    ItemVolumeISOUnit               String(3)                   [ISO Unit Item Volume]
    TransactionCurrency             String(5)      ro currency  [Document Currency]
    NetAmount                       Decimal(16,3)  ro unit=TransactionCurrency [Net Value]
    TotalSDDocReferenceStatus       String(1)      ro           [Ovrl Reference Sts]
    SDDocReferenceStatus            String(1)      ro           [Reference Status]
    MaterialSubstitutionReason      String(4)      ro           [Substitution Reason]
    MaterialGroup                   String(9)                   [Material Group]
    MaterialPricingGroup            String(2)                   [Product Price Group]
    AdditionalMaterialGroup1        String(3)                   [Material Group 1]
    AdditionalMaterialGroup2        String(3)                   [Material Group 2]
    AdditionalMaterialGroup3        String(3)                   [Material Group 3]
    AdditionalMaterialGroup4        String(3)                   [Material Group 4]
    AdditionalMaterialGroup5        String(3)                   [Material Group 5]
    BillingDocumentDate             DateTime                    [Billing Date]
    ContractAccount                 String(12)                  [Contract Account]
    AdditionalValueDays             String(2)                   [Addit. Value Days]
    ServicesRenderedDate            DateTime                    [Date of Services Rendered]
    Batch                           String(10)                  [Batch]
    ProductionPlant                 String(4)                   [Plant]
    OriginalPlant                   String(4)      ro           [Original Plant]
    AltvBsdConfSubstitutionStatus   String(1)      ro           [Substitution Status]
    StorageLocation                 String(4)                   [Storage Location]
    DeliveryGroup                   String(3)                   [Delivery Group]
    ShippingPoint                   String(4)                   [Shipping Point]
    ShippingType                    String(2)                   [Shipping Type]
    DeliveryPriority                String(2)                   [Delivery Priority]
    DeliveryDateQuantityIsFixed     Boolean                     [Fixed Date and Qty]
    DeliveryDateTypeRule            String(1)                   [Deliv Date Rule]
    IncotermsClassification         String(3)                   [Incoterms]
    IncotermsTransferLocation       String(28)                  [Incoterms (Part 2)]
    IncotermsLocation1              String(70)                  [Incoterms Location 1]
    IncotermsLocation2              String(70)                  [Incoterms Location 2]
    TaxAmount                       Decimal(14,3)  unit=TransactionCurrency [Tax Amount]
    ProductTaxClassification1       String(1)                   [Tax Classifc. Mat.]
    ProductTaxClassification2       String(1)                   [Tax Classifc. Mat.]
    ProductTaxClassification3       String(1)                   [Tax Classifc. Mat.]
    ProductTaxClassification4       String(1)                   [Tax Classifc. Mat.]
    ProductTaxClassification5       String(1)                   [Tax Classifc. Mat.]
    ProductTaxClassification6       String(1)                   [Tax Classifc. Mat.]
    ProductTaxClassification7       String(1)                   [Tax Classifc. Mat.]
    ProductTaxClassification8       String(1)                   [Tax Classifc. Mat.]
    ProductTaxClassification9       String(1)                   [Tax Classifc. Mat.]
    MatlAccountAssignmentGroup      String(2)                   [Acct Assmt Grp Mat.]
    CostAmount                      Decimal(14,3)  unit=TransactionCurrency [Cost]
    CustomerPaymentTerms            String(4)                   [Terms of Payment]
    FixedValueDate                  DateTime                    [Fixed Value Date]
    CustomerGroup                   String(2)                   [Customer Group]
    SalesDocumentRjcnReason         String(2)                   [Reason for Rejection]
    ItemBillingBlockReason          String(2)                   [Billing Block]
    SlsDocIsRlvtForProofOfDeliv     Boolean                     [Relevant for POD]
    WBSElement                      String(24)                  [WBS Element]
    ProfitCenter                    String(10)                  [Profit Center]
    AccountingExchangeRate          Decimal(9,5)                [Exchng. Rate Accntg.]
    ReferenceSDDocument             String(10)                  [Reference Document]
    ReferenceSDDocumentItem         String(6)                   [Reference Item]
    SDProcessStatus                 String(1)      ro           [Overall Status]
    DeliveryStatus                  String(1)      ro           [Delivery Status]
    OrderRelatedBillingStatus       String(1)      ro           [Order-Related Billing Status]
    Subtotal1Amount                 Decimal(14,3)  ro unit=TransactionCurrency [Subtotal 1]
    Subtotal2Amount                 Decimal(14,3)  ro unit=TransactionCurrency [Subtotal 2]
    Subtotal3Amount                 Decimal(14,3)  ro unit=TransactionCurrency [Subtotal 3]
    Subtotal4Amount                 Decimal(14,3)  ro unit=TransactionCurrency [Subtotal 4]
    Subtotal5Amount                 Decimal(14,3)  ro unit=TransactionCurrency [Subtotal 5]
    Subtotal6Amount                 Decimal(14,3)  ro unit=TransactionCurrency [Subtotal 6]
"""

HEADER_PARTNER = """
    SalesOrder                      String(10)     key ro alpha upper [Sales Order]
    PartnerFunction                 String(2)      key          [Partner Function]
    PartnerFunctionInternalCode     String(2)      ro           [Partner Function]
    Customer                        String(10)     upper        [Customer]
    Supplier                        String(10)                  [Supplier]
    Personnel                       String(8)                   [Personnel Number]
    ContactPerson                   String(10)                  [Contact Person]
    ReferenceBusinessPartner        String(10)     ro           [Business Partner]
    AddressID                       String(10)                  [Address Number]
    VATRegistration                 String(20)                  [VAT Registration No.]
"""

ITEM_PRICING_ELEMENT = """
    SalesOrder                      String(10)     key ro alpha upper [Sales Order]
    SalesOrderItem                  String(6)      key ro alpha     [Item]
    PricingProcedureStep            String(3)      key alpha        [Step]
    PricingProcedureCounter         String(3)      key alpha        [Counter]
    ConditionType                   String(4)                       [Condition Type]
    ConditionCalculationType        String(3)      ro               [Calculation Type]
    ConditionBaseValue              Decimal(24,9)  ro               [Condition Basis]
    ConditionRateValue              Decimal(24,9)                   [Rate]
    ConditionCurrency               String(5)      currency         [Condition Currency]
    ConditionQuantity               Decimal(5,0)   unit=ConditionQuantityUnit [Pricing Unit]
    ConditionQuantityUnit           String(3)      uom              [Condition Unit]
    ConditionCategory               String(1)      ro               [Condition Category]
    ConditionIsForStatistics        Boolean        ro               [Statistics]
    ConditionOrigin                 String(1)      ro               [Origin of Condition]
    ConditionRecord                 String(10)     ro               [Condition Record No.]
    ConditionSequentialNumber       String(3)      ro               [Sequent. No. of Cond.]
    ConditionAmount                 Decimal(16,3)  ro unit=TransactionCurrency [Condition Value]
    TransactionCurrency             String(5)      ro currency      [Document Currency]
    ConditionInactiveReason         String(1)      ro               [Inactive]
    ConditionClass                  String(1)      ro               [Condition Class]
    ConditionIsManuallyChanged      Boolean        ro               [Condition Changed]
"""

ORDER_KEY = ("SalesOrder", "SalesOrder")
ITEM_KEY = (ORDER_KEY, ("SalesOrderItem", "SalesOrderItem"))


def build_model() -> ServiceModel:
    """API_SALES_ORDER_SRV (schedule lines, texts, billing plans and flows are not emulated)."""
    sets = (
        entity_set(
            "A_SalesOrder",
            SALES_ORDER,
            label="Sales Order",
            navigations=(
                to_many("to_Item", "A_SalesOrderItem", ORDER_KEY),
                to_many("to_Partner", "A_SalesOrderHeaderPartner", ORDER_KEY),
            ),
        ),
        entity_set(
            "A_SalesOrderItem",
            SALES_ORDER_ITEM,
            label="Sales Order Item",
            navigations=(
                to_one("to_SalesOrder", "A_SalesOrder", ORDER_KEY, required=True),
                to_many("to_PricingElement", "A_SalesOrderItemPrElement", *ITEM_KEY),
            ),
        ),
        entity_set(
            "A_SalesOrderHeaderPartner",
            HEADER_PARTNER,
            label="Sales Order Partner",
            navigations=(to_one("to_SalesOrder", "A_SalesOrder", ORDER_KEY, required=True),),
        ),
        entity_set(
            "A_SalesOrderItemPrElement",
            ITEM_PRICING_ELEMENT,
            label="Item Pricing Element",
            navigations=(
                to_one("to_SalesOrder", "A_SalesOrder", ORDER_KEY, required=True),
                to_one("to_SalesOrderItem", "A_SalesOrderItem", *ITEM_KEY, required=True),
            ),
        ),
    )
    return ServiceModel(SERVICE, sets, component="SD-SLS-API")
