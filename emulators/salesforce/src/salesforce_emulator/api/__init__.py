"""HTTP routers: thin handlers over the REST resources, Salesforce's wire format throughout."""
