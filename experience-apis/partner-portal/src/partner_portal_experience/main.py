"""The partner-portal Experience API's app: routes, the gateway's identity guard, the web page,
and a lifespan that runs the bootstrap."""

from __future__ import annotations

from fastapi import FastAPI

from partner_portal_experience.api import account, catalog, docs, orders, page
from partner_portal_experience.bootstrap import bootstrap
from partner_portal_experience.settings import PartnerPortalSettings
from trivium.app import create_service_app
from trivium.composition import installing_lifespan
from trivium.service_auth import experience_api_router


def create_app(settings: PartnerPortalSettings | None = None) -> FastAPI:
    """The partner-portal Experience API, configured from the environment unless settings are
    given."""
    settings = settings or PartnerPortalSettings()
    app = create_service_app(
        settings,
        title="Trivium partner portal API",
        description="A partner's own account, catalog (at the partner's price, with stock) and "
        "orders. Called through the gateway with the partner's API key (header `apikey`); "
        "every call is scoped to that partner.",
        lifespan=installing_lifespan(settings, bootstrap),
        open_paths=page.PAGE_PATHS | docs.DOCS_PATHS,
    )
    # A partner's identity comes from the gateway's key alone; the page and docs need none.
    routers = [module.router for module in (account, catalog, orders)]
    app.include_router(experience_api_router(settings.identity_issuers, routers))
    app.include_router(docs.router)
    app.include_router(page.router)
    return app
