"""The partner portal web page: served without a key, and used in a real headless Chromium
through the local gateway (kong.yml with the partner's demo API key)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.async_api import Page, async_playwright, expect

from trivium_testing.services import RunningService, start_service
from trivium_testing.stack import SystemStack

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[4]
KONG_YML = ROOT / "gateway" / "kong.yml"
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# `TRIVIUM_UPDATE_SCREENSHOTS=1 make test` refreshes the README's picture of the page.
README_SCREENSHOT = ROOT / "docs" / "partner-portal.png"
GATEWAY_DB = 6
PORTAL_SERVICES = ("partner-portal-experience", "partner-portal-page")


def kong_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(KONG_YML.read_text())
    return document


def demo_api_key(account_number: str) -> str:
    """The demo API key kong.yml gives the partner with this account number."""
    consumer = next(c for c in kong_document()["consumers"] if c["custom_id"] == account_number)
    key: str = consumer["keyauth_credentials"][0]["key"]
    return key


def chromium() -> str:
    """The Chromium the browser test drives; `make test` installs one where it is missing, so
    outside CI a missing one skips the test and under CI (`CI=true`) it fails the run."""
    for path in (os.environ.get("TRIVIUM_CHROMIUM", ""), *CHROMIUM_PATHS):
        if path and shutil.which(path):
            return path
    message = "no Chromium: install it with `sudo apt-get install chromium` (or run `make test`)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def gateway(portal_stack: Any, trivium_run_dir: Path) -> Iterator[RunningService]:
    """The local gateway running kong.yml in front of this service."""
    document = kong_document()
    for service in document["services"]:
        if service["name"] in PORTAL_SERVICES:
            service["url"] = portal_stack.portal.url
    config = trivium_run_dir / "partner-portal-kong.yml"
    config.write_text(yaml.safe_dump(document, sort_keys=False))
    system: SystemStack = portal_stack.system
    running = start_service(
        "trivium_gateway.main:create_app",
        name="gateway-for-partners",
        log_dir=trivium_run_dir / "logs",
        env=system.service_env(
            db=GATEWAY_DB, GATEWAY_CONFIG_PATH=str(config), GATEWAY_PLUGIN_MODE="in-process"
        ),
    )
    yield running
    running.stop()


class TestPage:
    async def test_served_without_a_key_with_a_strict_policy(self, portal_stack: Any) -> None:
        async with httpx.AsyncClient(base_url=portal_stack.portal.url) as client:
            page = await client.get("/partner/")
            script = await client.get("/partner/app.js")
            config = await client.get("/partner/config.json")
            missing = await client.get("/partner/secrets.txt")
            root = await client.get("/partner")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert script.headers["content-type"].startswith("text/javascript")
        assert config.json() == {"apiBaseUrl": ""}
        # Only the page's own files are public: any other path needs a token first.
        assert missing.status_code == 401
        assert missing.headers["content-type"] == "application/problem+json"
        assert (root.status_code, root.headers["location"]) == (308, "/partner/")


class TestThroughGateway:
    async def test_the_api_key_becomes_the_partners_identity(self, gateway: RunningService) -> None:
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            page = await client.get("/partner/")
            account = await client.get(
                "/partner/v1/account", headers={"apikey": demo_api_key("P-1002")}
            )
            refused = await client.get("/partner/v1/account")
        assert page.status_code == 200
        assert account.status_code == 200, account.text
        assert account.json()["accountNumber"] == "P-1002"
        assert refused.status_code == 401


class TestBrowser:
    async def test_a_partner_places_an_order_and_follows_it_to_completed(
        self,
        gateway: RunningService,
        ordering: Any,
        world: Any,
        trivium_run_dir: Path,
    ) -> None:
        executable = chromium()
        purchase_order = ordering.purchase_order("WEB")
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=executable,
                args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                      "--disable-background-networking", "--disable-component-update",
                      "--disable-sync", "--no-first-run"],
            )  # fmt: skip
            try:
                page = await browser.new_page(viewport={"width": 1280, "height": 900})
                await page.goto(f"{gateway.url}/partner/")
                await expect(page.locator("body")).to_have_attribute("data-ready", "true")
                await page.fill("#api-key", demo_api_key("P-1001"))
                await page.click("text=Connect")
                await expect(page.locator("#account-name")).to_have_text(
                    "Nordwind Industrietechnik GmbH"
                )
                await page.fill("#search", "MAT-0012")
                await page.click("#search-form button")
                row = page.locator('#catalog-rows tr[data-sku="MAT-0012"]')
                await expect(row).to_have_count(1)
                await row.locator("input").fill("2")
                await page.click('[aria-label="Add MAT-0012"]')
                await expect(page.locator('#cart-lines li[data-sku="MAT-0012"]')).to_have_count(1)
                await page.fill("#purchase-order", purchase_order)
                await page.click("#place-order")
                status = page.locator("#order-status")
                await expect(status).to_have_attribute("data-status", "completed", timeout=20_000)
                erp_number = (await page.locator("#order-erp-number").text_content()) or ""
                await expect(page.locator("#order-rows")).to_contain_text(purchase_order)
                await _screenshot(page, trivium_run_dir / "partner-portal.png")
            finally:
                await browser.close()
        erp_order = await world.erp_json(f"/sales-orders/{erp_number.strip()}")
        assert erp_order["externalReference"] == purchase_order
        assert erp_order["customerId"] == "1000001"


async def _screenshot(page: Page, path: Path) -> None:
    """The page as the partner sees it after the order; also the README's picture on request."""
    await page.screenshot(path=str(path), full_page=True)
    if os.environ.get("TRIVIUM_UPDATE_SCREENSHOTS") == "1":
        await page.screenshot(path=str(README_SCREENSHOT), full_page=True)
