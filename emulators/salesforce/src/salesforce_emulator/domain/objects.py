"""The org's sObjects: the standard objects the flows use plus the integration's custom fields."""

from __future__ import annotations

from salesforce_emulator.domain.fields import (
    address,
    auto_number,
    checkbox,
    date,
    datetime_field,
    external_id,
    number,
    picklist,
    read_only,
    reference,
    system_fields,
    text,
)
from salesforce_emulator.domain.schema import Catalog, CompoundDef, FieldDef, ObjectDef

INDUSTRIES = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government", "Healthcare",
    "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit",
    "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
    "Utilities", "Other",
)  # fmt: skip
ACCOUNT_TYPES = (
    "Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
    "Installation Partner", "Technology Partner", "Other",
)  # fmt: skip
# Default sales process: stage -> (probability, forecast category, closed, won).
STAGES: dict[str, tuple[int, str, bool, bool]] = {
    "Prospecting": (10, "Pipeline", False, False),
    "Qualification": (10, "Pipeline", False, False),
    "Needs Analysis": (20, "Pipeline", False, False),
    "Value Proposition": (50, "Pipeline", False, False),
    "Id. Decision Makers": (60, "Pipeline", False, False),
    "Perception Analysis": (70, "Pipeline", False, False),
    "Proposal/Price Quote": (75, "Pipeline", False, False),
    "Negotiation/Review": (90, "Pipeline", False, False),
    "Closed Won": (100, "Closed", True, True),
    "Closed Lost": (0, "Omitted", True, False),
}
QUOTE_STATUSES = (
    "Draft", "Needs Review", "In Review", "Approved", "Rejected", "Presented", "Accepted", "Denied",
)  # fmt: skip
ORDER_STATUSES = ("Draft", "Activated")
ERP_ORDER_STATUSES = (
    "Pending", "Created", "In Process", "Partially Delivered", "Delivered", "Invoiced",
    "Completed", "Cancelled", "Failed",
)  # fmt: skip
PRODUCT_FAMILIES = ("Hardware", "Software", "Services", "Spare Parts", "Consumables")
UNITS = ("Each", "Piece", "Box", "Pallet", "Kilogram", "Meter", "Liter", "Hour")


def _money(name: str, label: str, **options: object) -> FieldDef:
    return number(name, label, kind="currency", **options)  # type: ignore[arg-type]


def account() -> ObjectDef:
    billing, billing_address = address("Billing", "Billing")
    shipping, shipping_address = address("Shipping", "Shipping")
    return ObjectDef(
        "Account", "Account", "Accounts", "001",
        fields=(
            *system_fields(owned=True),
            text("Name", "Account Name", 255, required=True, name_field=True, id_lookup=True),
            text("AccountNumber", "Account Number", 40),
            picklist("Type", "Account Type", ACCOUNT_TYPES),
            reference("ParentId", "Parent Account ID", "Account", relationship="Parent",
                      children="ChildAccounts"),
            # Set on the records that lose a merge, as they go to the recycle bin.
            read_only(reference("MasterRecordId", "Master Record ID", "Account",
                                relationship="MasterRecord")),
            *billing, *shipping,
            text("Phone", "Account Phone", 40, kind="phone"),
            text("Fax", "Account Fax", 40, kind="phone"),
            text("Website", "Website", 255, kind="url"),
            picklist("Industry", "Industry", INDUSTRIES),
            _money("AnnualRevenue", "Annual Revenue", precision=18, scale=0),
            number("NumberOfEmployees", "Employees", kind="int", precision=8, scale=0),
            picklist("Rating", "Account Rating", ("Hot", "Warm", "Cold")),
            text("Description", "Account Description", 32000, kind="textarea"),
            external_id("ERP_Customer_Number__c", "ERP Customer Number", 20),
            # Kept by the ERP (customer-sync): credit limit, payment terms key, order block.
            _money("ERP_Credit_Limit__c", "ERP Credit Limit", custom=True),
            text("ERP_Payment_Terms__c", "ERP Payment Terms", 4, custom=True),
            checkbox("ERP_Blocked__c", "ERP Blocked", custom=True),
        ),
        compounds=(billing_address, shipping_address),
        change_events=True,
    )  # fmt: skip


def contact() -> ObjectDef:
    mailing, mailing_address = address("Mailing", "Mailing")
    name_parts = {"Salutation": "Salutation", "FirstName": "FirstName", "LastName": "LastName"}
    name = CompoundDef("Name", "string", "Full Name", name_parts, name_parts)
    return ObjectDef(
        "Contact", "Contact", "Contacts", "003",
        fields=(
            *system_fields(owned=True),
            reference("AccountId", "Account ID", "Account", relationship="Account",
                      children="Contacts", cascade_delete=True),
            read_only(reference("MasterRecordId", "Master Record ID", "Contact",
                                relationship="MasterRecord")),
            text("LastName", "Last Name", 80, required=True, compound="Name"),
            text("FirstName", "First Name", 40, compound="Name"),
            picklist("Salutation", "Salutation", ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof."),
                     compound="Name"),
            read_only(text("Name", "Full Name", 121, nillable=False, name_field=True,
                           calculated=True, id_lookup=True)),
            text("Title", "Title", 128),
            text("Department", "Department", 80),
            text("Email", "Email", 80, kind="email", id_lookup=True),
            text("Phone", "Business Phone", 40, kind="phone"),
            text("MobilePhone", "Mobile Phone", 40, kind="phone"),
            *mailing,
            text("Description", "Contact Description", 32000, kind="textarea"),
            # The ERP's contact person number: an external id, but not unique (one person can
            # be a contact of several accounts).
            external_id("ERP_Contact_Number__c", "ERP Contact Number", 20, unique=False),
        ),
        compounds=(mailing_address, name),
        change_events=True,
    )  # fmt: skip


def opportunity() -> ObjectDef:
    return ObjectDef(
        "Opportunity", "Opportunity", "Opportunities", "006",
        fields=(
            *system_fields(owned=True),
            text("Name", "Name", 120, required=True, name_field=True),
            reference("AccountId", "Account ID", "Account", relationship="Account",
                      children="Opportunities", cascade_delete=True),
            picklist("StageName", "Stage", tuple(STAGES), restricted=True, required=True),
            date("CloseDate", "Close Date", required=True),
            _money("Amount", "Amount"),
            number("Probability", "Probability (%)", kind="percent", precision=3, scale=0,
                   defaulted_on_create=True),
            picklist("Type", "Opportunity Type",
                     ("Existing Customer - Upgrade", "Existing Customer - Replacement",
                      "Existing Customer - Downgrade", "New Customer")),
            picklist("LeadSource", "Lead Source",
                     ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")),
            text("NextStep", "Next Step", 255),
            text("Description", "Description", 32000, kind="textarea"),
            reference("Pricebook2Id", "Price Book ID", "Pricebook2", relationship="Pricebook2",
                      children="Opportunities"),
            reference("SyncedQuoteId", "Quote ID", "Quote", relationship="SyncedQuote"),
            read_only(checkbox("IsClosed", "Closed")),
            read_only(checkbox("IsWon", "Won")),
            read_only(picklist("ForecastCategoryName", "Forecast Category",
                               ("Omitted", "Pipeline", "Best Case", "Commit", "Closed"),
                               default="Pipeline")),
        ),
    )  # fmt: skip


def quote() -> ObjectDef:
    billing, billing_address = address("Billing", "Bill To")
    shipping, shipping_address = address("Shipping", "Ship To")
    return ObjectDef(
        "Quote", "Quote", "Quotes", "0Q0",
        fields=(
            *system_fields(owned=False),
            text("Name", "Quote Name", 255, required=True, name_field=True),
            reference("OpportunityId", "Opportunity ID", "Opportunity",
                      relationship="Opportunity", children="Quotes", required=True,
                      cascade_delete=True, updateable=False),
            read_only(reference("AccountId", "Account ID", "Account", relationship="Account",
                                children="Quotes")),
            reference("ContactId", "Contact ID", "Contact", relationship="Contact"),
            reference("Pricebook2Id", "Price Book ID", "Pricebook2", relationship="Pricebook2",
                      children="Quotes"),
            picklist("Status", "Status", QUOTE_STATUSES, restricted=True, default="Draft"),
            date("ExpirationDate", "Expiration Date"),
            text("Description", "Description", 32000, kind="textarea"),
            text("Email", "Email", 80, kind="email"),
            text("Phone", "Phone", 40, kind="phone"),
            text("BillingName", "Bill To Name", 255),
            *billing,
            text("ShippingName", "Ship To Name", 255),
            *shipping,
            _money("Tax", "Tax"),
            _money("ShippingHandling", "Shipping and Handling"),
            read_only(auto_number("QuoteNumber", "Quote Number")),
            read_only(_money("Subtotal", "Subtotal", calculated=True)),
            read_only(number("Discount", "Discount", kind="percent", precision=5, scale=2,
                             calculated=True)),
            read_only(_money("TotalPrice", "Total Price", calculated=True)),
            read_only(_money("GrandTotal", "Grand Total", calculated=True)),
            read_only(number("LineItemCount", "Line Items", kind="int", precision=8, scale=0,
                             calculated=True)),
            read_only(checkbox("IsSyncing", "Syncing")),
        ),
        compounds=(billing_address, shipping_address),
    )  # fmt: skip


def quote_line_item() -> ObjectDef:
    return ObjectDef(
        "QuoteLineItem", "Quote Line Item", "Quote Line Items", "0QL",
        fields=(
            *system_fields(owned=False),
            reference("QuoteId", "Quote ID", "Quote", relationship="Quote",
                      children="QuoteLineItems", required=True, cascade_delete=True,
                      updateable=False),
            reference("PricebookEntryId", "Price Book Entry ID", "PricebookEntry",
                      relationship="PricebookEntry", required=True, updateable=False),
            reference("Product2Id", "Product ID", "Product2", relationship="Product2",
                      updateable=False),
            number("Quantity", "Quantity", precision=12, scale=2, required=True),
            _money("UnitPrice", "Sales Price", required=True),
            number("Discount", "Discount", kind="percent", precision=5, scale=2),
            date("ServiceDate", "Date"),
            text("Description", "Line Item Description", 255),
            read_only(_money("ListPrice", "List Price")),
            read_only(_money("Subtotal", "Subtotal", calculated=True)),
            read_only(_money("TotalPrice", "Total Price", calculated=True)),
            read_only(auto_number("LineNumber", "Line Item Number")),
        ),
    )  # fmt: skip


def product() -> ObjectDef:
    return ObjectDef(
        "Product2", "Product", "Products", "01t",
        fields=(
            *system_fields(owned=False),
            text("Name", "Product Name", 255, required=True, name_field=True),
            text("ProductCode", "Product Code", 255),
            text("Description", "Product Description", 4000, kind="textarea"),
            picklist("Family", "Product Family", PRODUCT_FAMILIES),
            checkbox("IsActive", "Active"),
            picklist("QuantityUnitOfMeasure", "Quantity Unit Of Measure", UNITS),
            text("StockKeepingUnit", "Product SKU", 180),
            external_id("ERP_Material__c", "ERP Material", 40),
            number("Available_Quantity__c", "Available Quantity", precision=16, scale=3,
                   custom=True),
            _money("ERP_List_Price__c", "ERP List Price", custom=True),
        ),
        change_events=True,
    )  # fmt: skip


def pricebook() -> ObjectDef:
    return ObjectDef(
        "Pricebook2", "Price Book", "Price Books", "01s",
        fields=(
            *system_fields(owned=False),
            text("Name", "Price Book Name", 255, required=True, name_field=True),
            checkbox("IsActive", "Active"),
            text("Description", "Description", 255),
            read_only(checkbox("IsStandard", "Is Standard Price Book")),
        ),
    )  # fmt: skip


def pricebook_entry() -> ObjectDef:
    return ObjectDef(
        "PricebookEntry", "Price Book Entry", "Price Book Entries", "01u",
        fields=(
            *system_fields(owned=False),
            read_only(text("Name", "Product Name", 255, name_field=True)),
            reference("Pricebook2Id", "Price Book ID", "Pricebook2", relationship="Pricebook2",
                      children="PricebookEntries", required=True, updateable=False,
                      cascade_delete=True),
            reference("Product2Id", "Product ID", "Product2", relationship="Product2",
                      children="PricebookEntries", required=True, updateable=False,
                      cascade_delete=True),
            _money("UnitPrice", "List Price", required=True),
            checkbox("IsActive", "Active"),
            checkbox("UseStandardPrice", "Use Standard Price"),
            read_only(text("ProductCode", "Product Code", 255)),
        ),
    )  # fmt: skip


def order() -> ObjectDef:
    billing, billing_address = address("Billing", "Billing")
    shipping, shipping_address = address("Shipping", "Shipping")
    return ObjectDef(
        "Order", "Order", "Orders", "801",
        fields=(
            *system_fields(owned=True),
            reference("AccountId", "Account ID", "Account", relationship="Account",
                      children="Orders", required=True, cascade_delete=True),
            date("EffectiveDate", "Order Start Date", required=True),
            date("EndDate", "Order End Date"),
            picklist("Status", "Status", ORDER_STATUSES, restricted=True, default="Draft"),
            read_only(picklist("StatusCode", "Status Category", ("Draft", "Activated"),
                               default="Draft")),
            reference("Pricebook2Id", "Price Book ID", "Pricebook2", relationship="Pricebook2",
                      children="Orders"),
            reference("OpportunityId", "Opportunity ID", "Opportunity",
                      relationship="Opportunity", children="Orders"),
            reference("QuoteId", "Quote ID", "Quote", relationship="Quote", children="Orders"),
            picklist("Type", "Order Type", ("Standard", "Rush", "Return")),
            text("PoNumber", "PO Number", 80),
            date("PoDate", "PO Date"),
            text("Description", "Description", 32000, kind="textarea"),
            *billing, *shipping,
            read_only(auto_number("OrderNumber", "Order Number")),
            read_only(_money("TotalAmount", "Order Amount")),
            read_only(datetime_field("ActivatedDate", "Activated Date")),
            external_id("ERP_Order_Number__c", "ERP Order Number", 20),
            picklist("ERP_Status__c", "ERP Status", ERP_ORDER_STATUSES, custom=True),
            text("ERP_Invoice_Number__c", "ERP Invoice Number", 20, custom=True),
        ),
        compounds=(billing_address, shipping_address),
        change_events=True,
    )  # fmt: skip


def order_item() -> ObjectDef:
    return ObjectDef(
        "OrderItem", "Order Product", "Order Products", "802",
        fields=(
            *system_fields(owned=False),
            reference("OrderId", "Order ID", "Order", relationship="Order",
                      children="OrderItems", required=True, cascade_delete=True,
                      updateable=False),
            reference("PricebookEntryId", "Price Book Entry ID", "PricebookEntry",
                      relationship="PricebookEntry", required=True, updateable=False),
            reference("Product2Id", "Product ID", "Product2", relationship="Product2",
                      updateable=False),
            reference("QuoteLineItemId", "Quote Line Item ID", "QuoteLineItem",
                      relationship="QuoteLineItem"),
            number("Quantity", "Quantity", precision=12, scale=2, required=True),
            _money("UnitPrice", "Unit Price", required=True),
            date("ServiceDate", "Start Date"),
            date("EndDate", "End Date"),
            text("Description", "Line Description", 255),
            read_only(_money("ListPrice", "List Price")),
            read_only(_money("TotalPrice", "Total Price", calculated=True)),
            read_only(auto_number("OrderItemNumber", "Order Product Number")),
        ),
    )  # fmt: skip


def user() -> ObjectDef:
    return ObjectDef(
        "User", "User", "Users", "005",
        fields=(
            *system_fields(owned=False),
            text("Username", "Username", 80, required=True, unique=True, id_lookup=True),
            text("LastName", "Last Name", 80, required=True),
            text("FirstName", "First Name", 40),
            read_only(text("Name", "Full Name", 121, name_field=True)),
            text("Alias", "Alias", 8),
            text("Email", "Email", 128, kind="email", required=True),
            checkbox("IsActive", "Active", default=True),
        ),
        createable=False, updateable=False, deletable=False,
    )  # fmt: skip


def build_catalog() -> Catalog:
    """The catalog of this org: one fresh set of definitions per app."""
    return Catalog(
        [
            account(), contact(), opportunity(), quote(), quote_line_item(), product(),
            pricebook(), pricebook_entry(), order(), order_item(), user(),
        ]
    )  # fmt: skip
