"""What the deployment tests share: the repository's layout and DESIGN.md's table of services."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"

# DESIGN.md: service → (folder, port). Kong (the gateway) listens on 8000.
SERVICES = {
    "mobile-experience": ("experience-apis/mobile", 8101),
    "partner-portal-experience": ("experience-apis/partner-portal", 8102),
    "quote-to-order": ("process-apis/quote-to-order", 8201),
    "create-customer": ("process-apis/create-customer", 8202),
    "customer-sync": ("process-apis/customer-sync", 8203),
    "salesforce-system": ("system-apis/salesforce", 8301),
    "erp-system": ("system-apis/erp", 8302),
    "salesforce-emulator": ("emulators/salesforce", 8401),
    "s4hana-emulator": ("emulators/s4hana", 8402),
}
EMULATORS = {"salesforce-emulator", "s4hana-emulator"}


@pytest.fixture(scope="session")
def services() -> dict[str, tuple[str, int]]:
    """DESIGN.md's services: name → (folder, port)."""
    return SERVICES


@pytest.fixture(scope="session")
def emulators() -> set[str]:
    return EMULATORS


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository."""
    return ROOT
