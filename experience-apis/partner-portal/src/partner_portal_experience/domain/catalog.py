"""The catalog a partner sees: CRM products at the partner's ERP price, with ERP stock.

A page costs one CRM product read and two ERP reads made together (the partner's prices, and the
availability of every sku on the page in one batched call), and is then kept briefly per partner
and query. When the ERP cannot answer, the products are still listed, without prices and with
availability `unknown`, and such a page is not kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal

from partner_portal_experience.adapters.ports import CrmProduct
from partner_portal_experience.domain.errors import UpstreamFailed, UpstreamUnavailable
from partner_portal_experience.domain.models import (
    Availability,
    AvailabilityStatus,
    CatalogItemRead,
)
from partner_portal_experience.domain.partners import Partner
from partner_portal_experience.domain.portal import PartnerPortal
from trivium.schemas import ApiModel, Money

log = logging.getLogger(__name__)


class CatalogPage(ApiModel):
    """A page of the catalog; `next_cursor` is the CRM's position after it."""

    items: list[CatalogItemRead]
    next_cursor: str | None = None


def availability_of(quantity: Decimal | None, *, low_below: Decimal) -> Availability:
    """Stock as a partner reads it: none, low, enough; or unknown when the ERP did not say."""
    if quantity is None:
        return Availability(status=AvailabilityStatus.UNKNOWN)
    if quantity <= 0:
        status = AvailabilityStatus.OUT_OF_STOCK
    elif quantity < low_below:
        status = AvailabilityStatus.LOW
    else:
        status = AvailabilityStatus.IN_STOCK
    return Availability(quantity=max(quantity, Decimal(0)), status=status)


def orderable(products: Sequence[CrmProduct]) -> list[CrmProduct]:
    """The products a partner can order: active, and sold through the ERP (they have a sku)."""
    return [product for product in products if product.is_active and product.sku]


def merge_catalog(
    products: Sequence[CrmProduct],
    *,
    prices: Mapping[str, Money | None],
    stock: Mapping[str, Decimal] | None,
    low_below: Decimal,
) -> list[CatalogItemRead]:
    """One catalog item per orderable product; `stock` None means the ERP did not answer."""
    items = []
    for product in orderable(products):
        assert product.sku is not None
        quantity = stock.get(product.sku, Decimal(0)) if stock is not None else None
        items.append(
            CatalogItemRead(
                sku=product.sku,
                name=product.name,
                description=product.description,
                family=product.family,
                unit_price=prices.get(product.sku),
                availability=availability_of(quantity, low_below=low_below),
            )
        )
    return items


def _catalog_key(partner: Partner, *, search: str | None, limit: int, cursor: str | None) -> str:
    query = json.dumps([search, limit, cursor]).encode()
    return f"catalog:{partner.customer_number or '-'}:{hashlib.sha256(query).hexdigest()[:32]}"


async def browse_catalog(
    portal: PartnerPortal,
    partner: Partner,
    *,
    search: str | None,
    limit: int,
    cursor: str | None,
) -> CatalogPage:
    """A page of the catalog for this partner, from the cache when it was read just now."""
    key = _catalog_key(partner, search=search, limit=limit, cursor=cursor)
    [cached] = await portal.cached([key], CatalogPage)
    if cached is not None:
        return cached
    page = await portal.crm.list_products(search=search, limit=limit, cursor=cursor)
    skus = [product.sku for product in orderable(page.items) if product.sku]
    prices: Mapping[str, Money | None] = {}
    stock: Mapping[str, Decimal] | None = {}
    if skus:
        try:
            prices, stock = await _erp_view(portal, partner, skus)
        except (UpstreamUnavailable, UpstreamFailed) as error:
            log.warning("catalog.erp_unavailable", extra={"problem": error.slug})
            prices, stock = {}, None
    result = CatalogPage(
        items=merge_catalog(
            page.items, prices=prices, stock=stock, low_below=portal.policy.low_stock_below
        ),
        next_cursor=page.next_cursor,
    )
    if stock is not None:
        await portal.remember(key, result, ttl_seconds=portal.policy.catalog_ttl_seconds)
    return result


async def _erp_view(
    portal: PartnerPortal, partner: Partner, skus: list[str]
) -> tuple[Mapping[str, Money | None], Mapping[str, Decimal]]:
    customer = partner.customer_number
    if customer is None:
        # Not linked to an ERP customer: no price of its own, but stock is the same for all.
        return {}, await portal.erp.get_availability(skus)
    prices, stock = await asyncio.gather(
        portal.erp.get_prices(skus, customer_id=customer),
        portal.erp.get_availability(skus),
        return_exceptions=True,
    )
    # Both calls are awaited to the end, so that neither is left running when one fails.
    for outcome in (prices, stock):
        if isinstance(outcome, BaseException):
            raise outcome
    assert not isinstance(prices, BaseException)
    assert not isinstance(stock, BaseException)
    return prices, stock
