"""The Salesforce REST adapter: the only code that knows sObjects, SOQL and Salesforce errors."""
