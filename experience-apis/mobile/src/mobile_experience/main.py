"""The mobile field-sales Experience API's app: routes, the gateway's identity guard, and a
lifespan that runs the bootstrap."""

from __future__ import annotations

from fastapi import FastAPI

from mobile_experience.api import accounts, customers, docs, orders
from mobile_experience.bootstrap import bootstrap
from mobile_experience.settings import MobileSettings
from trivium.app import create_service_app
from trivium.composition import installing_lifespan
from trivium.service_auth import experience_api_router


def create_app(settings: MobileSettings | None = None) -> FastAPI:
    """The mobile Experience API, configured from the environment unless settings are given."""
    settings = settings or MobileSettings()
    app = create_service_app(
        settings,
        title="Trivium mobile field-sales Experience API",
        description="What a sales rep's phone needs: their accounts, a customer 360 in one call "
        "that degrades section by section, orders from quotes and new customers. Called through "
        "the gateway, which signs the rep's identity into a service token.",
        lifespan=installing_lifespan(settings, bootstrap),
    )
    routers = [module.router for module in (accounts, customers, orders, docs)]
    app.include_router(experience_api_router(settings.identity_issuers, routers))
    return app
