"""The NetSuite adapter: SuiteTalk REST web services (SuiteQL reads, record service writes)."""
