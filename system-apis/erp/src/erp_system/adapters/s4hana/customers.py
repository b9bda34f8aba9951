"""Customers as SAP business partners with the customer role (API_BUSINESS_PARTNER)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from erp_system.adapters.s4hana.mapping import (
    SalesDefaults,
    address_body,
    customer_from_partner,
    name_body,
    partner_create_body,
)
from erp_system.adapters.s4hana.odata import Entity, ODataClient
from erp_system.adapters.s4hana.wire import any_of, entity_path, expanded, string_literal
from erp_system.adapters.values import text
from erp_system.domain.customers import website_on_domain
from erp_system.domain.errors import CustomerNotFound
from erp_system.domain.models import CustomerCreate, CustomerRead, CustomerSearch, CustomerUpdate

SERVICE = "API_BUSINESS_PARTNER"
PARTNERS = "A_BusinessPartner"
ADDRESSES = "A_BusinessPartnerAddress"
CUSTOMERS = "A_Customer"
URL_ADDRESSES = "A_AddressHomePageURL"
EXPAND = (
    "to_BusinessPartnerAddress,to_BusinessPartnerAddress/to_EmailAddress,"
    "to_BusinessPartnerAddress/to_PhoneNumber,to_BusinessPartnerAddress/to_URLAddress,"
    "to_Customer,to_Customer/to_CustomerSalesArea"
)
IS_CUSTOMER = "Customer ne ''"
ADDRESS_MATCH_LIMIT = 500


# The customers whose partner numbers are kept (the least recently used go first).
PARTNER_NUMBERS_KEPT = 10_000


class S4Customers:
    """Reads and writes customers; the customer number is the partner's `Customer`."""

    def __init__(self, odata: ODataClient, defaults: SalesDefaults) -> None:
        self._odata = odata
        self._defaults = defaults
        # A customer's business partner never changes (SAP keeps the pair for the customer's
        # life), so it is looked up once per process: every credit check names the partner.
        self._partner_numbers: OrderedDict[str, str] = OrderedDict()

    async def partner_number(self, customer_id: str) -> str:
        """The business partner number of the customer (CustomerNotFound when none)."""
        known = self._partner_numbers.get(customer_id)
        if known is not None:
            self._partner_numbers.move_to_end(customer_id)
            return known
        partner = (await self.partner_of(customer_id, expand=False)).data
        number = str(partner["BusinessPartner"])
        self._partner_numbers[customer_id] = number
        if len(self._partner_numbers) > PARTNER_NUMBERS_KEPT:
            self._partner_numbers.popitem(last=False)
        return number

    def forget(self, customer_id: str) -> None:
        """Look the customer's partner number up again next time."""
        self._partner_numbers.pop(customer_id, None)

    async def partner_of(self, customer_id: str, *, expand: bool = True) -> Entity:
        """The business partner whose customer number is `customer_id` (404 when none)."""
        options: dict[str, str | int | None] = {
            "$filter": f"Customer eq {string_literal(customer_id)}",
            "$expand": EXPAND if expand else None,
        }
        rows = await self._odata.read_all(
            SERVICE, PARTNERS, options=options, what="customer", limit=1
        )
        if not rows:
            raise CustomerNotFound(f"No customer has the number {customer_id!r}.")
        return Entity(rows[0], _metadata_etag(rows[0]))

    async def get(self, customer_id: str) -> CustomerRead:
        return customer_from_partner((await self.partner_of(customer_id)).data)

    async def search(
        self, criteria: CustomerSearch, *, limit: int, offset: int
    ) -> list[CustomerRead]:
        filters = [IS_CUSTOMER]
        if criteria.name:
            filters.append(_name_filter(criteria.name))
        if criteria.external_id:
            filters.append(
                f"BusinessPartnerIDByExtSystem eq {string_literal(criteria.external_id)}"
            )
        if criteria.vat_id:
            customers = await self._customers_with_vat_id(criteria.vat_id)
            if not customers:
                return []
            filters.append(any_of("Customer", customers))
        partners: set[str] | None = None
        if criteria.postal_code or criteria.city:
            partners = set(await self._partners_at(criteria))
        if criteria.website_domain:
            on_domain = set(await self._partners_on_domain(criteria.website_domain))
            partners = on_domain if partners is None else partners & on_domain
        if partners is not None:
            if not partners:
                return []
            filters.append(any_of("BusinessPartner", sorted(partners)))
        rows = await self._odata.read_all(
            SERVICE,
            PARTNERS,
            options={
                "$filter": " and ".join(filters),
                "$orderby": "BusinessPartner",
                "$skip": offset or None,
                "$expand": EXPAND,
            },
            what="customers",
            limit=limit,
        )
        return [customer_from_partner(row) for row in rows]

    async def _partners_at(self, criteria: CustomerSearch) -> list[str]:
        """Partners with an address in the postal code or city (v2 cannot filter a parent by its
        children, so the addresses are matched first)."""
        filters = []
        if criteria.postal_code:
            filters.append(f"PostalCode eq {string_literal(criteria.postal_code)}")
        if criteria.city:
            filters.append(f"CityName eq {string_literal(criteria.city)}")
        rows = await self._odata.read_all(
            SERVICE,
            ADDRESSES,
            options={"$filter": " and ".join(filters), "$select": "BusinessPartner"},
            what="customer addresses",
            limit=ADDRESS_MATCH_LIMIT,
        )
        return list(dict.fromkeys(str(row["BusinessPartner"]) for row in rows))

    async def _customers_with_vat_id(self, vat_id: str) -> list[str]:
        rows = await self._odata.read_all(
            SERVICE,
            CUSTOMERS,
            options={
                "$filter": f"VATRegistration eq {string_literal(vat_id)}",
                "$select": "Customer",
            },
            what="customers by VAT registration",
            limit=ADDRESS_MATCH_LIMIT,
        )
        return list(dict.fromkeys(str(row["Customer"]) for row in rows))

    async def _partners_on_domain(self, domain: str) -> list[str]:
        """Partners with a home page on `domain`: URL addresses are matched by text first (SAP
        has no host filter), then kept only when their host really is on the domain."""
        rows = await self._odata.read_all(
            SERVICE,
            URL_ADDRESSES,
            options={
                "$filter": f"substringof({string_literal(domain)},WebsiteURL) eq true",
                "$select": "AddressID,WebsiteURL",
            },
            what="customer home pages",
            limit=ADDRESS_MATCH_LIMIT,
        )
        addresses = list(
            dict.fromkeys(
                str(row["AddressID"])
                for row in rows
                if website_on_domain(text(row.get("WebsiteURL")), domain)
            )
        )
        if not addresses:
            return []
        owners = await self._odata.read_all(
            SERVICE,
            ADDRESSES,
            options={"$filter": any_of("AddressID", addresses), "$select": "BusinessPartner"},
            what="customer addresses",
            limit=ADDRESS_MATCH_LIMIT,
        )
        return list(dict.fromkeys(str(row["BusinessPartner"]) for row in owners))

    async def find_by_external_id(self, external_id: str) -> CustomerRead | None:
        rows = await self._odata.read_all(
            SERVICE,
            PARTNERS,
            options={
                "$filter": f"BusinessPartnerIDByExtSystem eq {string_literal(external_id)}",
                "$expand": EXPAND,
            },
            what="customers",
            limit=1,
        )
        return customer_from_partner(rows[0]) if rows else None

    async def create(self, customer: CustomerCreate) -> CustomerRead:
        created = await self._odata.create(
            SERVICE, PARTNERS, partner_create_body(customer, self._defaults), what="customer"
        )
        # The deep-insert answer need not carry every child; read the partner as stored.
        partner = str(created.data["BusinessPartner"])
        stored = await self._odata.read(
            SERVICE,
            entity_path(PARTNERS, partner),
            options={"$expand": EXPAND},
            what="customer",
            not_found=CustomerNotFound,
        )
        return customer_from_partner(stored.data)

    async def update(self, customer_id: str, changes: CustomerUpdate) -> CustomerRead:
        current = await self.partner_of(customer_id)
        partner = str(current.data["BusinessPartner"])
        header = _header_changes(changes)
        if header:
            await self._odata.update(
                SERVICE,
                entity_path(PARTNERS, partner),
                header,
                etag=current.etag,
                what="customer",
                not_found=CustomerNotFound,
            )
        if changes.address is not None:
            await self._change_address(current, changes)
        return await self.get(customer_id)

    async def _change_address(self, current: Entity, changes: CustomerUpdate) -> None:
        assert changes.address is not None
        partner = str(current.data["BusinessPartner"])
        language = text(current.data.get("CorrespondenceLanguage")) or "EN"
        body = address_body(changes.address, language=language)
        addresses = expanded(current.data, "to_BusinessPartnerAddress")
        if not addresses:
            path = f"{entity_path(PARTNERS, partner)}/to_BusinessPartnerAddress"
            await self._odata.create(SERVICE, path, body, what="customer address")
            return
        first = sorted(addresses, key=lambda row: str(row.get("AddressID")))[0]
        key = {"BusinessPartner": partner, "AddressID": str(first["AddressID"])}
        await self._odata.update(
            SERVICE,
            entity_path(ADDRESSES, key),
            body,
            etag=_metadata_etag(first),
            what="customer address",
        )


def _name_filter(name: str) -> str:
    """Name anywhere in name line 1, or in the upper-case search term (Gateway's substringof is
    case-sensitive, so the name is tried as typed and capitalised)."""
    variants = dict.fromkeys((name, name[:1].upper() + name[1:]))
    terms = [f"substringof({string_literal(v)},OrganizationBPName1) eq true" for v in variants]
    terms.append(f"substringof({string_literal(name.upper()[:20])},SearchTerm1) eq true")
    return "(" + " or ".join(terms) + ")"


def _header_changes(changes: CustomerUpdate) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if changes.name is not None:
        body.update(name_body(changes.name))
    if changes.search_term is not None:
        body["SearchTerm1"] = changes.search_term.upper()
    if changes.blocked is not None:
        body["BusinessPartnerIsBlocked"] = changes.blocked
    if changes.external_id is not None:
        body["BusinessPartnerIDByExtSystem"] = changes.external_id
    return body


def _metadata_etag(row: dict[str, Any]) -> str | None:
    metadata = row.get("__metadata")
    etag = metadata.get("etag") if isinstance(metadata, dict) else None
    return str(etag) if etag else None
