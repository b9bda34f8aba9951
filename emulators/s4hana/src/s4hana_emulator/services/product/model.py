"""The EDM model of API_PRODUCT_SRV: products, their descriptions, plants and sales data."""

from __future__ import annotations

from s4hana_emulator.odata.model import ServiceModel, entity_set, to_many

SERVICE = "API_PRODUCT_SRV"

PRODUCT = """
    Product                         String(40)     key upper    [Product]
    ProductType                     String(4)                   [Product Type]
    CrossPlantStatus                String(2)                   [CrossPlantProdStatus]
    CrossPlantStatusValidityDate    DateTime                    [Valid from]
    CreationDate                    DateTime       ro           [Created On]
    CreatedByUser                   String(12)     ro           [Created by]
    LastChangeDate                  DateTime       ro           [Last Change]
    LastChangedByUser               String(12)     ro           [Changed by]
    LastChangeDateTime              DateTimeOffset ro           [Last Changed]
    IsMarkedForDeletion             Boolean                     [Marked for Deletion]
    ProductOldID                    String(40)                  [Old product number]
    GrossWeight                     Decimal(13,3)  unit=WeightUnit [Gross weight]
    PurchaseOrderQuantityUnit       String(3)                   [Order Unit]
    SourceOfSupply                  String(1)                   [Source of supply]
    WeightUnit                      String(3)      uom          [Weight unit]
    NetWeight                       Decimal(13,3)  unit=WeightUnit [Net weight]
    CountryOfOrigin                 String(3)                   [Country of origin]
    CompetitorID                    String(10)                  [Competitor]
    ProductGroup                    String(9)                   [Product Group]
    BaseUnit                        String(3)      uom          [Base Unit of Measure]
    ItemCategoryGroup               String(4)                   [Gen. item cat. grp]
    ProductHierarchy                String(18)                  [Product hierarchy]
    Division                        String(2)                   [Division]
    VarblPurOrdUnitIsActive         String(1)                   [Var. Order Unit]
    VolumeUnit                      String(3)      uom          [Volume unit]
    MaterialVolume                  Decimal(13,3)  unit=VolumeUnit [Volume]
    ANPCode                         String(9)                   [ANP Code]
    Brand                           String(4)                   [Brand]
    ProcurementRule                 String(1)                   [Procurement rule]
    ValidityStartDate               DateTime                    [Valid From]
    LowLevelCode                    String(3)                   [Low-Level Code]
    ProdNoInGenProdInPrepackProd    String(40)                  [Generic Material]
    SerialIdentifierAssgmtProfile   String(4)                   [Serial No. Profile]
    SizeOrDimensionText             String(32)                  [Size/dimensions]
    IndustryStandardName            String(18)                  [Industry Std Desc.]
    ProductStandardID               String(18)                  [GTIN]
    InternationalArticleNumberCat   String(2)                   [EAN category]
    ProductIsConfigurable           Boolean                     [Configurable]
    IsBatchManagementRequired       Boolean                     [Batch Management]
    ExternalProductGroup            String(18)                  [Ext. Product Group]
    CrossPlantConfigurableProduct   String(40)                  [Cross-plant CP]
    SerialNoExplicitnessLevel       String(1)                   [Serialization level]
    ProductManufacturerNumber       String(40)                  [Mfr Part Number]
    ManufacturerNumber              String(10)                  [Manufacturer]
    ManufacturerPartProfile         String(4)                   [Mfr part profile]
    QltyMgmtInProcmtIsActive        Boolean                     [QM in Procur. Active]
    IndustrySector                  String(1)                   [Industry Sector]
    ChangeNumber                    String(12)                  [Change Number]
    MaterialRevisionLevel           String(2)                   [Revision Level]
    HandlingIndicator               String(4)                   [Handling Indicator]
    WarehouseProductGroup           String(4)                   [WH Material Group]
    WarehouseStorageCondition       String(2)                   [WH Storage Condition]
    StandardHandlingUnitType        String(4)                   [Standard HU Type]
    SerialNumberProfile             String(4)                   [Serial No. Profile]
    AdjustmentProfile               String(3)                   [Adjust. Profile]
    PreferredUnitOfMeasure          String(3)                   [Preferred UoM]
    IsPilferable                    Boolean                     [Pilferable]
    IsRelevantForHzdsSubstances     Boolean                     [Relevant for HS]
    QuarantinePeriod                Decimal(3,0)                [Quarant. Per.]
    TimeUnitForQuarantinePeriod     String(3)                   [Time Unit]
    QualityInspectionGroup          String(4)                   [Quality Inspec. Grp]
    AuthorizationGroup              String(4)                   [Authorization Group]
    HandlingUnitType                String(4)                   [Handling Unit Type]
    HasVariableTareWeight           Boolean                     [Varb. Tare Weight]
    MaximumPackagingLength          Decimal(15,3)               [Max. Pack. Length]
    MaximumPackagingWidth           Decimal(15,3)               [Max. Pack. Width]
    MaximumPackagingHeight          Decimal(15,3)               [Max. Pack. Height]
    UnitForMaxPackagingDimensions   String(3)                   [Unit of Measurement]
"""

DESCRIPTION = """
    Product                         String(40)     key upper    [Product]
    Language                        String(2)      key          [Language Key]
    ProductDescription              String(40)                  [Product Description]
"""

PLANT = """
    Product                         String(40)     key upper    [Material]
    Plant                           String(4)      key          [Plant]
    PurchasingGroup                 String(3)                   [Purchasing Group]
    CountryOfOrigin                 String(3)                   [Country of origin]
    RegionOfOrigin                  String(3)                   [Region of origin]
    ProductionInvtryManagedLoc      String(4)                   [Prod. stor. location]
    ProfileCode                     String(2)                   [Plant-Sp.Matl Status]
    ProfileValidityStartDate        DateTime                    [Valid From]
    AvailabilityCheckType           String(2)                   [Availability check]
    FiscalYearVariant               String(2)                   [Fiscal Year Variant]
    PeriodType                      String(1)                   [Period Indicator]
    ProfitCenter                    String(10)                  [Profit Center]
    Commodity                       String(17)                  [Commodity Code]
    GoodsReceiptDuration            Decimal(3,0)                [GR processing time]
    MaintenanceStatusName           String(15)                  [Maintenance status]
    IsMarkedForDeletion             Boolean                     [DF at plant level]
    MRPType                         String(2)                   [MRP Type]
    MRPResponsible                  String(3)                   [MRP Controller]
    ABCIndicator                    String(1)                   [ABC Indicator]
    MinimumLotSizeQuantity          Decimal(13,3)               [Minimum Lot Size]
    MaximumLotSizeQuantity          Decimal(13,3)               [Maximum Lot Size]
    FixedLotSizeQuantity            Decimal(13,3)               [Fixed lot size]
    ConsumptionTaxCtrlCode          String(16)                  [Control code]
    IsCoProduct                     Boolean                     [Co-product]
    ProductIsConfigurable           String(40)                  [ConfigurableProduct]
    StockDeterminationGroup         String(4)                   [Stock det. grp]
    StockInTransferQuantity         Decimal(13,3)
    StockInTransitQuantity          Decimal(13,3)
    HasPostToInspectionStock        Boolean                     [Post to insp. stock]
    IsBatchManagementRequired       Boolean                     [Batch Mgmt Rqt(Plnt)]
    SerialNumberProfile             String(4)                   [Serial No. Profile]
    IsNegativeStockAllowed          Boolean                     [Neg. stocks in plant]
    GoodsReceiptBlockedStockQty     Decimal(13,3)
    HasConsignmentCtrl              String(1)                   [Consign.Control]
    FiscalYearCurrentPeriod         String(4)
    FiscalMonthCurrentPeriod        String(2)
    ProcurementType                 String(1)                   [Procurement Type]
    IsInternalBatchManaged          Boolean                     [Batch Management]
    ProductCFOPCategory             String(2)                   [Mat. CFOP category]
    ProductIsExciseTaxRelevant      Boolean                     [Is Excise Tax Relevant]
    BaseUnit                        String(3)      uom          [Base Unit of Measure]
    ConfigurableProduct             String(40)                  [ConfigurableMaterial]
    GoodsIssueUnit                  String(3)                   [Unit of issue]
    MaterialFreightGroup            String(8)                   [Material freight grp]
    OriginalBatchReferenceMaterial  String(40)                  [OB Reference Materl]
    OriglBatchManagementIsRequired  String(1)                   [OB Management]
    ProductIsCriticalPrt            Boolean                     [Critical Part]
    ProductLogisticsHandlingGroup   String(4)                   [Log. handling group]
"""

SALES_DELIVERY = """
    Product                         String(40)     key upper    [Product]
    ProductSalesOrg                 String(4)      key          [Sales Organization]
    ProductDistributionChnl         String(2)      key          [Distribution Channel]
    MinimumOrderQuantity            Decimal(13,3)               [Minimum order qty]
    SupplyingPlant                  String(4)                   [Delivering Plant]
    PriceSpecificationProductGroup  String(2)                   [Product Price Group]
    AccountDetnProductGroup         String(2)                   [Acct Assmt Grp Mat.]
    DeliveryNoteProcMinDelivQty     Decimal(13,3)               [Minimum Delivery Qty]
    ItemCategoryGroup               String(4)                   [Item Category Group]
    DeliveryQuantityUnit            String(3)                   [Unit of measure]
    DeliveryQuantity                Decimal(13,3)               [Delivery unit]
    ProductSalesStatus              String(2)                   [DChain-spec. status]
    ProductSalesStatusValidityDate  DateTime                    [Valid from]
    SalesMeasureUnit                String(3)      uom          [Sales unit]
    IsMarkedForDeletion             Boolean                     [DF distr. chain lvl]
    ProductHierarchy                String(18)                  [Product hierarchy]
    FirstSalesSpecProductGroup      String(3)                   [Product Group 1]
    SecondSalesSpecProductGroup     String(3)                   [Product group 2]
    ThirdSalesSpecProductGroup      String(3)                   [Product group 3]
    FourthSalesSpecProductGroup     String(3)                   [Product group 4]
    FifthSalesSpecProductGroup      String(3)                   [Product group 5]
    MinimumMakeToOrderOrderQty      Decimal(13,3)               [Min. MtO quantity]
    BaseUnit                        String(3)                   [Base Unit of Measure]
    LogisticsStatisticsGroup        String(1)                   [Matl statistics grp]
    VolumeRebateGroup               String(2)                   [Volume Rebate Group]
    ProductCommissionGroup          String(2)                   [Commission Group]
    CashDiscountIsDeductible        Boolean                     [Cash Discount]
    PricingReferenceProduct         String(40)                  [Pricing Ref. Matl]
    RoundingProfile                 String(4)                   [Rounding Profile]
    ProductUnitGroup                String(4)                   [Unit of Measure Grp]
    VariableSalesUnitIsNotAllowed   Boolean                     [Sales unit not var.]
    ProductHasAttributeID01         Boolean                     [Product Attribute 1]
    ProductHasAttributeID02         Boolean                     [Product Attribute 2]
    ProductHasAttributeID03         Boolean                     [Product Attribute 3]
    ProductHasAttributeID04         Boolean                     [Product Attribute 4]
    ProductHasAttributeID05         Boolean                     [Product Attribute 5]
    ProductHasAttributeID06         Boolean                     [Product Attribute 6]
    ProductHasAttributeID07         Boolean                     [Product Attribute 7]
    ProductHasAttributeID08         Boolean                     [Product Attribute 8]
    ProductHasAttributeID09         Boolean                     [Product Attribute 9]
    ProductHasAttributeID10         Boolean                     [Product Attribute 10]
"""


def build_model() -> ServiceModel:
    """API_PRODUCT_SRV (the sets the suite reads; the rest of SAP's 32 are not emulated)."""
    product = ("Product", "Product")
    sets = (
        entity_set(
            "A_Product",
            PRODUCT,
            label="Product",
            deletable=False,
            navigations=(
                to_many("to_Description", "A_ProductDescription", product),
                to_many("to_Plant", "A_ProductPlant", product),
                to_many("to_SalesDelivery", "A_ProductSalesDelivery", product),
            ),
        ),
        entity_set("A_ProductDescription", DESCRIPTION, label="Product Description"),
        entity_set("A_ProductPlant", PLANT, label="Product Plant", deletable=False),
        entity_set(
            "A_ProductSalesDelivery", SALES_DELIVERY, label="Product Sales", deletable=False
        ),
    )
    return ServiceModel(SERVICE, sets, component="LO-MD-MM")
