"""The paths of the S/4HANA OData services the suite uses, as SAP Gateway serves them: what the
S/4HANA emulator's tests call and what the ERP System API's recorded answers come from."""

ROOT = "/sap/opu/odata/sap"
BP = f"{ROOT}/API_BUSINESS_PARTNER"
SO = f"{ROOT}/API_SALES_ORDER_SRV"
SIMULATION = f"{ROOT}/API_SALES_ORDER_SIMULATION_SRV"
PRODUCT = f"{ROOT}/API_PRODUCT_SRV"
STOCK = f"{ROOT}/API_MATERIAL_STOCK_SRV"
PRICES = f"{ROOT}/API_SLSPRICINGCONDITIONRECORD_SRV"
CREDIT = f"{ROOT}/API_CRDTMBUSINESSPARTNER"
# The custom CDS view of a customer's credit exposure (see the ERP System API's settings).
EXPOSURE = f"{ROOT}/YY1_CREDITEXPOSURE_CDS"
BILLING = f"{ROOT}/API_BILLING_DOCUMENT_SRV"
