"""The quote-to-order flow: quote or partner order to ERP sales order to Salesforce Order."""
