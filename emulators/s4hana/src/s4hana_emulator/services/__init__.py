"""The emulated OData services: each pairs its EDM model with the rules of its entity sets."""

from __future__ import annotations

from s4hana_emulator.odata.engine import ServiceRuntime
from s4hana_emulator.services.billing.model import build_model as billing_model
from s4hana_emulator.services.business_partner.model import build_model as partner_model
from s4hana_emulator.services.business_partner.rules import build_rules as partner_rules
from s4hana_emulator.services.credit.accounts import CreditAccountRules
from s4hana_emulator.services.credit.model import build_exposure_model
from s4hana_emulator.services.credit.model import build_model as credit_model
from s4hana_emulator.services.pricing.model import build_model as pricing_model
from s4hana_emulator.services.pricing.rules import build_rules as pricing_rules
from s4hana_emulator.services.product.model import build_model as product_model
from s4hana_emulator.services.sales_order.model import build_model as order_model
from s4hana_emulator.services.sales_order.rules import build_rules as order_rules
from s4hana_emulator.services.sales_order_simulation.model import build_model as simulation_model
from s4hana_emulator.services.sales_order_simulation.rules import (
    build_rules as simulation_rules,
)
from s4hana_emulator.services.stock.model import build_model as stock_model
from s4hana_emulator.settings import S4HanaEmulatorSettings


def build_services(settings: S4HanaEmulatorSettings) -> list[ServiceRuntime]:
    """Every service the emulator serves (the exposure view only when configured)."""
    services = [
        ServiceRuntime(partner_model(), partner_rules()),
        ServiceRuntime(product_model()),
        ServiceRuntime(stock_model()),
        ServiceRuntime(pricing_model(), pricing_rules()),
        ServiceRuntime(credit_model(), {"CreditManagementAccount": CreditAccountRules()}),
        ServiceRuntime(order_model(), order_rules()),
        ServiceRuntime(simulation_model(), simulation_rules(), saves=False),
        ServiceRuntime(billing_model()),
    ]
    if settings.credit_exposure_view:
        services.append(ServiceRuntime(build_exposure_model()))
    return services
