"""Credit management: API_CRDTMBUSINESSPARTNER's CreditManagementAccount, and an exposure view.

SAP's released credit API holds limits and blocks but no exposure. Systems that need the
exposure outside SAP expose a custom CDS view (a `YY1_` view) as OData; the emulator serves one,
YY1_CREDITEXPOSURE_CDS, when `credit_exposure_view` is on. Its figures come from the same SQL
that the sales order credit check uses: open orders at net value (not billed, not rejected, not
completed) plus open invoices at gross value (not cancelled, not cleared).
"""

from __future__ import annotations

from s4hana_emulator.odata.model import ServiceModel, entity_set

SERVICE = "API_CRDTMBUSINESSPARTNER"
EXPOSURE_SERVICE = "YY1_CREDITEXPOSURE_CDS"

CREDIT_ACCOUNT = """
    BusinessPartner                 String(10)     key alpha upper  [Business Partner]
    CreditSegment                   String(10)     key upper        [Credit Segment]
    CreditLimitAmount               Decimal(16,3)  unit=CreditSegmentCurrency [Credit Limit]
    CreditSegmentCurrency           String(5)      currency         [Credit Segment Currency]
    CreditLimitValidityEndDate      DateTime                        [Limit Valid To]
    CreditLimitLastChangeDate       DateTime       ro               [Limit Changed On]
    CreditLimitCalculatedAmount     Decimal(16,3)  ro unit=CreditSegmentCurrency [Calc. Limit]
    CreditLimitIsZero               Boolean                         [Limit Is Zero]
    CreditLimitRequestedAmount      Decimal(16,3)  unit=CreditSegmentCurrency [Requested Limit]
    CrdtLmtIsReqdFrmAutomCalc       Boolean                         [Requested from Calc.]
    CreditLimitReqdValidityEndDate  DateTime                        [Requested Valid To]
    CreditLimitRequestDate          DateTime                        [Request Date]
    CreditAccountIsBlocked          Boolean                         [Blocked in Credit Mgmt]
    CreditAccountBlockReason        String(2)                       [Block Reason]
    CreditAccountResubmissionDate   DateTime                        [Resubmission On]
    BusinessPartnerIsCritical       Boolean                         [Special Attention]
"""

EXPOSURE = """
    BusinessPartner                 String(10)     key alpha upper  [Business Partner]
    CreditSegment                   String(10)     key upper        [Credit Segment]
    CustomerCreditExposureAmount    Decimal(16,3)  ro unit=DisplayCurrency [Credit Exposure]
    CustomerCreditLimitAmount       Decimal(16,3)  ro unit=DisplayCurrency [Credit Limit]
    RemainingCreditAmtInDspCrcy     Decimal(16,3)  ro unit=DisplayCurrency [Remaining Credit]
    CreditLimitUtilizationPercent   Decimal(7,2)   ro               [Limit Utilization (%)]
    OpenOrderAmount                 Decimal(16,3)  ro unit=DisplayCurrency [Open Orders]
    OpenInvoiceAmount               Decimal(16,3)  ro unit=DisplayCurrency [Open Invoices]
    CreditAccountIsBlocked          Boolean        ro               [Blocked in Credit Mgmt]
    DisplayCurrency                 String(5)      ro currency      [Display Currency]
"""

# Exposure per credit account. The customer of a partner is its `Customer` (equal to the
# partner number when number ranges are harmonised, as here).
EXPOSURE_SQL = """
WITH base AS (
  SELECT a.BusinessPartner, a.CreditSegment, a.CreditSegmentCurrency AS DisplayCurrency,
         a.CreditAccountIsBlocked,
         CAST(a.CreditLimitAmount AS REAL) AS limit_amount,
         COALESCE((SELECT SUM(CAST(o.TotalNetAmount AS REAL)) FROM A_SalesOrder o
                   WHERE o.SoldToParty = COALESCE(NULLIF(bp.Customer, ''), a.BusinessPartner)
                     AND o.OverallOrdReltdBillgStatus <> 'C'
                     AND o.OverallSDProcessStatus <> 'C'
                     AND o.OverallSDDocumentRejectionSts <> 'C'), 0) AS orders,
         COALESCE((SELECT SUM(CAST(b.TotalGrossAmount AS REAL)) FROM A_BillingDocument b
                   WHERE b.SoldToParty = COALESCE(NULLIF(bp.Customer, ''), a.BusinessPartner)
                     AND b.BillingDocumentIsCancelled = 0
                     AND b.InvoiceClearingStatus <> 'C'), 0) AS invoices
  FROM CreditManagementAccount a
  LEFT JOIN A_BusinessPartner bp ON bp.BusinessPartner = a.BusinessPartner
  -- One row per account either way (both joins are on keys). Grouped, `base` is not flattened
  -- into the SELECT below, so each sum runs once per account instead of once per column that
  -- uses it, and a filter on the account's key is still pushed into it.
  GROUP BY a.BusinessPartner, a.CreditSegment
)
SELECT BusinessPartner, CreditSegment,
       printf('%.3f', orders + invoices) AS CustomerCreditExposureAmount,
       printf('%.3f', limit_amount) AS CustomerCreditLimitAmount,
       printf('%.3f', limit_amount - orders - invoices) AS RemainingCreditAmtInDspCrcy,
       printf('%.2f', CASE WHEN limit_amount > 0
                      THEN (orders + invoices) * 100.0 / limit_amount ELSE 0 END)
         AS CreditLimitUtilizationPercent,
       printf('%.3f', orders) AS OpenOrderAmount,
       printf('%.3f', invoices) AS OpenInvoiceAmount,
       CreditAccountIsBlocked, DisplayCurrency
FROM base
"""


def build_model() -> ServiceModel:
    """API_CRDTMBUSINESSPARTNER: credit accounts (limit and block) per partner and segment."""
    sets = (
        entity_set(
            "CreditManagementAccount",
            CREDIT_ACCOUNT,
            label="Credit Management Account",
            deletable=False,
        ),
    )
    return ServiceModel(SERVICE, sets, component="FIN-FSCM-CR")


def build_exposure_model() -> ServiceModel:
    """YY1_CREDITEXPOSURE_CDS: a custom CDS view of the credit exposure (read-only)."""
    sets = (
        entity_set(
            "YY1_CreditExposure",
            EXPOSURE,
            label="Credit Exposure",
            read_only=True,
            view_sql=EXPOSURE_SQL,
        ),
    )
    return ServiceModel(EXPOSURE_SERVICE, sets, component="FIN-FSCM-CR")
