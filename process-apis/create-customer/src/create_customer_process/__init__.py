"""Trivium's create-customer Process API: a new customer exists once in Salesforce and in the
ERP, linked to each other."""
