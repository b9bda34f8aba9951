"""Matching a customer's home page to a website domain."""

from __future__ import annotations

import pytest

from erp_system.domain.customers import website_on_domain


class TestWebsiteOnDomain:
    @pytest.mark.parametrize(
        "url",
        [
            "https://acme.example",
            "http://www.acme.example/contact",
            "shop.ACME.example",
            "https://acme.example.:443/",
        ],
    )
    def test_the_domain_and_its_subdomains_match(self, url: str) -> None:
        assert website_on_domain(url, "acme.example")

    @pytest.mark.parametrize(
        "url", ["https://notacme.example", "https://acme.example.org", "", None, "https://"]
    )
    def test_other_hosts_do_not(self, url: str | None) -> None:
        assert not website_on_domain(url, "acme.example")
