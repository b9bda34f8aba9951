"""The ports the routes depend on and their implementations (S/4HANA, in-memory fake)."""
