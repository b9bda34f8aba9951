"""Order simulation (API_SALES_ORDER_SIMULATION_SRV): a would-be order priced and credit-checked
by SAP's own order processing, in one round trip, with nothing saved."""

from __future__ import annotations

from erp_system.adapters.s4hana.mapping import (
    SalesDefaults,
    order_pricing_from,
    sales_order_simulation_body,
)
from erp_system.adapters.s4hana.odata import ODataClient
from erp_system.domain.models import OrderPricing, SalesOrderSimulate

SERVICE = "API_SALES_ORDER_SIMULATION_SRV"
SIMULATIONS = "A_SalesOrderSimulation"


class S4OrderSimulation:
    """Simulates orders of the configured sales area; the list price is `price_condition_type`."""

    def __init__(
        self, odata: ODataClient, defaults: SalesDefaults, *, price_condition_type: str
    ) -> None:
        self._odata = odata
        self._defaults = defaults
        self._price_condition_type = price_condition_type

    async def price(self, order: SalesOrderSimulate) -> OrderPricing:
        simulated = await self._odata.create(
            SERVICE,
            SIMULATIONS,
            sales_order_simulation_body(order, self._defaults),
            what="order simulation",
            idempotent=True,
        )
        return order_pricing_from(
            simulated.data,
            price_condition_type=self._price_condition_type,
            default_currency=self._defaults.currency,
        )
