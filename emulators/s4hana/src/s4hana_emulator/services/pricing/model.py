"""The EDM model of API_SLSPRICINGCONDITIONRECORD_SRV: sales price condition records.

A record holds the rate; its validities hold the access fields that say whom and what the rate
applies to (sales area, material, customer, ...). Only the access fields of common condition
tables are modelled, stored sparsely as SAP does.
"""

from __future__ import annotations

from s4hana_emulator.odata.model import ServiceModel, entity_set, to_many, to_one

SERVICE = "API_SLSPRICINGCONDITIONRECORD_SRV"

CONDITION_RECORD = """
    ConditionRecord                 String(10)     key alpha upper [Condition Record No.]
    ConditionSequentialNumber       String(2)                   [Sequent. No. of Cond]
    ConditionTable                  String(3)                   [Condition Table]
    ConditionApplication            String(2)                   [Application]
    ConditionType                   String(4)                   [Condition Type]
    ConditionValidityEndDate        DateTime                    [Valid To]
    ConditionValidityStartDate      DateTime                    [Valid From]
    CreatedByUser                   String(12)                  [Created By]
    CreationDate                    DateTime                    [Created On]
    ConditionTextID                 String(10)                  [Text number]
    PricingScaleType                String(1)                   [Scale Type]
    PricingScaleBasis               String(1)                   [Scale Base Type]
    ConditionScaleQuantity          Decimal(15,3)               [Scale Quantity]
    ConditionScaleQuantityUnit      String(3)                   [Scale Unit of Meas.]
    ConditionScaleAmount            Decimal(16,3)               [Scale Value]
    ConditionScaleAmountCurrency    String(5)                   [Scale Currency]
    ConditionCalculationType        String(1)                   [Calculation Type]
    ConditionRateValue              Decimal(12,3)  unit=ConditionRateValueUnit [Condition Amount]
    ConditionRateValueUnit          String(5)                   [Condition Currency]
    ConditionRateRatio              Decimal(24,9)               [Ratio]
    ConditionRateRatioUnit          String(3)                   [Unit of Measure]
    ConditionRateAmount             Decimal(24,9)               [Amount]
    ConditionCurrency               String(5)      currency     [Condition Currency]
    ConditionQuantity               Decimal(5,0)   unit=ConditionQuantityUnit [Pricing Unit]
    ConditionQuantityUnit           String(3)      uom          [Unit of Measure]
    ConditionToBaseQtyNmrtr         Decimal(5,0)                [NumeratorForConvers.]
    ConditionToBaseQtyDnmntr        Decimal(5,0)                [Denom.for Conversion]
    BaseUnit                        String(3)                   [Base Unit of Measure]
    ConditionLowerLimit             Decimal(12,3)               [Lower limit]
    ConditionLowerLimitAmount       Decimal(24,9)               [Amount]
    ConditionLowerLimitRatio        Decimal(24,9)               [Ratio]
    ConditionUpperLimit             Decimal(12,3)               [Upper limit]
    ConditionUpperLimitAmount       Decimal(24,9)               [Amount]
    ConditionUpperLimitRatio        Decimal(24,9)               [Ratio]
    ConditionAlternativeCurrency    String(5)                   [Condition Currency]
    ConditionExclusion              String(1)                   [Exclusion]
    ConditionIsDeleted              Boolean                     [Deletion Indicator]
    AdditionalValueDays             String(2)                   [Addit. Value Days]
    FixedValueDate                  DateTime                    [Fixed Value Date]
    PaymentTerms                    String(4)                   [Terms of Payment]
    CndnMaxNumberOfSalesOrders      String(2)                   [Max.number.of.orders]
    MinimumConditionBasisValue      Decimal(15,3)               [Min.cond.base value]
    MaximumConditionBasisValue      Decimal(15,3)               [Max.cond.base value]
    MaximumConditionAmount          Decimal(14,3)               [Max.condition value]
    IncrementalScale                String(4)                   [Incremental scale]
    PricingScaleLine                String(4)                   [Pricing scale]
    ConditionReleaseStatus          String(1)                   [Release Status]
    SalesPriceApprovalRequest       String(10)                  [Approval Request]
    ConditionChangeReason           String(3)                   [Cndn Change Reason]
    PrevApprovedConditionRecord     String(10)                  [Condition Record No.]
    ConditionTaxCode                String(2)                   [Tax Code]
    ConditionWithholdingTaxCode     String(2)                   [W/Tax Code]
    TaxExemptionLicense             String(24)                  [License Number]
    LicenseGrantDate                DateTime                    [License Date]
    LastChangeDateTime              DateTimeOffset              [Time Stamp]
    SAPObjectNodeType               String(30)     ro           [SONT Name]
    ETag                            String(40)
"""

CONDITION_VALIDITY = """
    ConditionRecord                 String(10)     key alpha upper [Condition Record No.]
    ConditionValidityEndDate        DateTime       key          [Valid To]
    ConditionValidityStartDate      DateTime                    [Valid From]
    ConditionApplication            String(2)                   [Application]
    ConditionType                   String(4)                   [Condition Type]
    ConditionReleaseStatus          String(1)                   [Release Status]
    DepartureCountry                String(3)                   [Departure Ctry/Reg.]
    IncotermsClassification         String(3)                   [Incoterms]
    CustomerGroup                   String(2)                   [Customer Group]
    CustomerPriceGroup              String(2)                   [Price Group]
    MaterialPricingGroup            String(2)                   [Material Price Grp]
    SoldToParty                     String(10)                  [Sold-to Party]
    Customer                        String(10)                  [Customer]
    PayerParty                      String(10)                  [Payer]
    ShipToParty                     String(10)                  [Ship-to Party]
    DestinationCountry              String(3)                   [Dest. Country/Region]
    MaterialGroup                   String(9)                   [Material Group]
    Material                        String(40)                  [Material]
    PriceListType                   String(2)                   [Price List Type]
    Region                          String(3)                   [Region]
    Division                        String(2)                   [Division]
    SalesOffice                     String(4)                   [Sales Office]
    SalesGroup                      String(3)                   [Sales Group]
    SalesOrganization               String(4)                   [Sales Organization]
    DistributionChannel             String(2)                   [Distribution Channel]
    Plant                           String(4)                   [Plant]
"""


def build_model() -> ServiceModel:
    """API_SLSPRICINGCONDITIONRECORD_SRV: condition records and their validity periods."""
    record = ("ConditionRecord", "ConditionRecord")
    sets = (
        entity_set(
            "A_SlsPrcgConditionRecord",
            CONDITION_RECORD,
            label="Condition Record",
            navigations=(
                to_many("to_SlsPrcgCndnRecdValidity", "A_SlsPrcgCndnRecdValidity", record),
            ),
        ),
        entity_set(
            "A_SlsPrcgCndnRecdValidity",
            CONDITION_VALIDITY,
            label="Condition Record Validity",
            creatable=False,
            deletable=False,
            navigations=(to_one("to_SlsPrcgConditionRecord", "A_SlsPrcgConditionRecord", record),),
        ),
    )
    return ServiceModel(SERVICE, sets, component="SD-MD-CM")
