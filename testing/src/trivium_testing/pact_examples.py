"""The example values the consumer pacts name: one Salesforce account linked to one ERP
customer, one product, one sales order. One set, so that every pact (and every provider state it
names) speaks of the same records, in the formats of the systems they come from."""

ACCOUNT_ID = "001000000000001AAA"
ACCOUNT_NUMBER = "P-1001"
CUSTOMER_ID = "1000001"
# The account's link to the ERP customer above, as the Salesforce System API names it.
ERP_CUSTOMER_NUMBER = CUSTOMER_ID
OWNER = "anna.becker@trivium.demo"
QUOTE_ID = "0Q0000000000001AAA"
ORG_ID = "00D000000000001EAA"
SKU = "TG-1000"
SALES_ORDER_ID = "5000001"
# An order of quote-to-order (and, in the same ULID format, a customer request of create-customer).
ORDER_ID = "01KB2Y7ZJ1V8X3Q5N9R2T4W6YA"
