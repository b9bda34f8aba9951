"""A local NetSuite that speaks SuiteTalk REST web services and SuiteQL, backed by SQLite."""
