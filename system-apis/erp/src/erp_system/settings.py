"""Settings of the ERP System API (env prefix `ERP_SYSTEM_`; NetSuite's own under `NETSUITE_`)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from trivium.settings import ServiceSettings


class NetSuiteSettings(BaseSettings):
    """The NetSuite account, the integration's credentials, and where its stock is kept."""

    model_config = SettingsConfigDict(env_prefix="NETSUITE_", extra="ignore")

    account_id: str = Field(
        default="1234567_SB1",
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The account id (Setup > Company > Company Information), e.g. a sandbox "
        "`1234567_SB1`: TBA's `realm` and the first label of the REST host.",
    )
    base_url: str | None = Field(
        default=None,
        description="Scheme and host of SuiteTalk REST; default: "
        "https://<account>.suitetalk.api.netsuite.com (account lower case, `_` as `-`).",
    )
    auth_method: Literal["tba", "oauth_client_credentials"] = "tba"
    # Token-based authentication: the integration record's consumer and a role's access token.
    consumer_key: str = ""
    consumer_secret: SecretStr = SecretStr("")
    token_id: str = ""
    token_secret: SecretStr = SecretStr("")
    # OAuth 2.0 client credentials: the integration's client id and a mapped certificate.
    client_id: str = ""
    certificate_id: str = Field(default="", description="The mapping's certificate id (`kid`).")
    private_key_path: str | None = Field(
        default=None, description="PEM private key (RSA: PS256, EC P-256: ES256) of the mapping."
    )
    scope: str = "rest_webservices"
    location: str | None = Field(
        default=None,
        pattern=r"^[0-9]{1,4}$",
        description="Internal id of the location stock is read from and new orders ship from; "
        "unset: stock of every location together, orders from the item's preferred location.",
    )
    subsidiary: str | None = Field(
        default=None,
        pattern=r"^[0-9]+$",
        description="Internal id of the subsidiary new customers belong to (OneWorld accounts); "
        "unset: the account's default.",
    )

    def effective_base_url(self) -> str:
        """The configured base URL, else the account's own SuiteTalk host."""
        if self.base_url:
            return self.base_url.rstrip("/")
        host = self.account_id.lower().replace("_", "-")
        return f"https://{host}.suitetalk.api.netsuite.com"

    @property
    def realm(self) -> str:
        """The account id as TBA's `realm` carries it: upper case, `_` kept."""
        return self.account_id.upper().replace("-", "_")


class ErpSystemSettings(ServiceSettings):
    """Which ERP (S/4HANA or NetSuite), where it is, how to log on, and the sales defaults new
    records get."""

    model_config = SettingsConfigDict(env_prefix="ERP_SYSTEM_")

    service_name: str = "erp-system"
    backend: Literal["s4hana", "netsuite"] = Field(
        default="s4hana",
        description="The ERP behind the API: `s4hana` (the settings below) or `netsuite` "
        "(`NETSUITE_` settings). Routes and answers are the same on both.",
    )
    netsuite: NetSuiteSettings = Field(default_factory=NetSuiteSettings)
    base_url: str = Field(
        default="http://127.0.0.1:8402",
        description="Scheme, host and port of the system's OData endpoint (the `-api` host in "
        "S/4HANA Cloud); the services live under /sap/opu/odata/sap/.",
    )
    sap_client: str | None = Field(
        default="100",
        description="Logon client sent as `sap-client`; empty for S/4HANA Cloud (one per tenant).",
    )
    sap_language: str = Field(default="EN", min_length=2, max_length=2)
    system_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        description="Names this ERP system to sync flows, which keep their positions per "
        "system: e.g. the SAP system id and client, `S4H/100`. Default: the host (and port) of "
        "base_url with the client, e.g. `127.0.0.1:8402/100`. Give a new one when another "
        "system answers at the same URL (a system copy), so that flows start over.",
    )
    auth_method: Literal["basic", "oauth_client_credentials"] = "basic"
    username: str = Field(default="TRIVIUM_COMM_USER", description="Basic auth user.")
    # Credentials have no default: set them for the system the API signs in to.
    password: SecretStr = SecretStr("")
    oauth_token_url: str | None = Field(
        default=None,
        description="Client-credentials token URL; default <base_url>/sap/bc/sec/oauth2/token.",
    )
    oauth_client_id: str = "TRIVIUM_OAUTH_CLIENT"
    oauth_client_secret: SecretStr = SecretStr("")
    oauth_scope: str | None = None

    sales_organization: str = Field(default="1010", max_length=4)
    distribution_channel: str = Field(default="10", max_length=2)
    division: str = Field(default="00", max_length=2)
    plant: str = Field(default="1010", max_length=4)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    sales_order_type: str = Field(default="OR", max_length=4)
    price_condition_type: str = Field(
        default="PPR0", max_length=4, description="Condition type of list prices."
    )
    manual_price_condition_type: str = Field(
        default="PMP0", max_length=4, description="Condition type of negotiated line prices."
    )
    credit_segment: str = Field(default="1000", max_length=10)
    credit_exposure_service: str | None = Field(
        default=None,
        description="OData service of a custom exposure view (e.g. a YY1_ CDS view); when "
        "unset, exposure is derived from open orders and open invoices.",
    )
    credit_exposure_entity_set: str | None = None
    credit_exposure_property: str = "CustomerCreditExposureAmount"
    credit_exposure_limit_property: str | None = Field(
        default=None,
        description="The view's credit limit; with the blocked and currency properties set too, "
        "credit is read from the view alone (no credit account read).",
    )
    credit_exposure_blocked_property: str | None = None
    credit_exposure_currency_property: str | None = None
    company_code: str = Field(default="1010", max_length=4)
    bp_grouping: str = Field(default="BP02", max_length=4, description="BP number range group.")
    customer_account_group: str = Field(default="CUST", max_length=4)
    reconciliation_account: str = Field(default="12100000", max_length=10)
    payment_terms: str = Field(default="0001", max_length=4)
    csrf_ttl_seconds: float = Field(
        default=1_500.0,
        gt=0,
        description="Re-fetch the CSRF token before the system's session timeout (30 min).",
    )
    batch_max_operations: int = Field(
        default=200, ge=1, le=1_000, description="Most skus answered by one $batch."
    )
    order_simulation: bool = Field(
        default=True,
        description="S/4HANA: price and credit-check an order in one call of "
        "API_SALES_ORDER_SIMULATION_SRV (communication scenario SAP_COM_0109); off: read the "
        "customer, prices and credit one by one.",
    )
    sales_order_lookup: Literal["after_attempt", "always"] = Field(
        default="after_attempt",
        description="When an order is looked up by its customer reference before it is "
        "created: `after_attempt` only once this API has attempted that reference before (a "
        "lost answer, a crash, a concurrent request), so that a first attempt is one ERP round "
        "trip; `always` on every create, for ERPs where other channels enter orders with the "
        "references this API receives.",
    )
    sales_order_attempt_days: int = Field(
        default=90,
        ge=1,
        description="How long the attempt at a customer reference is remembered; a retry of it "
        "later than that is taken for a first attempt.",
    )

    def effective_system_id(self) -> str:
        """The configured system id, else the base URL's host and port with the client (on
        NetSuite: the account id)."""
        if self.system_id:
            return self.system_id
        if self.backend == "netsuite":
            return f"netsuite/{self.netsuite.realm}"
        host = urlsplit(self.base_url).netloc.rsplit("@", 1)[-1].lower()
        return f"{host}/{self.sap_client}" if self.sap_client else host
