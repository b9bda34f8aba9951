"""API_BUSINESS_PARTNER behaviour: numbering, derived names, the customer role's checks.

The checks are the ones SAP's customer-vendor integration (CVI) is known to make on a deep
insert: an address without a language when the partner becomes a customer (FSBP_ECC/030), a
sales area without a currency and a company code without a reconciliation account
(CVI_API/003, "... is a required entry field").
"""

from __future__ import annotations

import uuid
from typing import Any

from s4hana_emulator.odata.errors import business_error
from s4hana_emulator.odata.rules import Draft, EntityRules, WriteContext
from s4hana_emulator.odata.store import Row
from s4hana_emulator.odata.values import datetime_to_us
from s4hana_emulator.services.business_partner.changes import (
    touch_partner,
    touch_partner_of_address,
    touch_partner_of_customer,
)
from s4hana_emulator.services.credit.accounts import open_credit_account

PARTNER_NUMBERS_FROM = 1_000_001
ADDRESS_NUMBERS_FROM = 20_001
CUSTOMER_ROLES = frozenset({"FLCU00", "FLCU01"})
SALES_PARTNER_FUNCTIONS = ("SP", "SH", "BP", "PY")
OPEN_END_US = 253_402_300_799_000_000  # 9999-12-31T23:59:59Z
CATEGORIES = {"1": "person", "2": "organization", "3": "group"}


def required(field: str, label: str, *, target: str = "") -> Exception:
    return business_error(
        "CVI_API/003", f"{label} ({field}) is a required entry field", target=target
    )


def full_name(values: dict[str, Any]) -> str:
    """BusinessPartnerFullName: the organisation's name lines, or a person's first and last name."""
    lines = [str(values.get(f"OrganizationBPName{n}") or "") for n in range(1, 5)]
    organisation = " ".join(line for line in lines if line)
    if organisation:
        return organisation[:81]
    person = " ".join(str(values.get(name) or "") for name in ("FirstName", "LastName"))
    return " ".join(person.split())[:81]


def _wants_customer(draft: Draft) -> bool:
    roles = {
        str(role.values.get("BusinessPartnerRole", ""))
        for role in draft.children.get("to_BusinessPartnerRole", [])
    }
    return bool(draft.children.get("to_Customer")) or bool(roles & CUSTOMER_ROLES)


def _sap_etag(ctx: WriteContext) -> str:
    """The BP's own ETag property: a timestamp string (not a concurrency token in this API)."""
    return ctx.clock.now().strftime("%Y%m%d%H%M%S.%f")[:22]


class BusinessPartnerRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        category = str(values.get("BusinessPartnerCategory") or "")
        if category not in CATEGORIES:
            raise required("BUT000-TYPE", "BP category", target="BusinessPartnerCategory")
        if not values.get("BusinessPartnerGrouping"):
            raise required("BUT000-BU_GROUP", "Grouping", target="BusinessPartnerGrouping")
        if category == "2" and not values.get("OrganizationBPName1"):
            raise required("BUT000-NAME_ORG1", "Name 1", target="OrganizationBPName1")
        if category == "1" and not values.get("LastName"):
            raise required("BUT000-NAME_LAST", "Last name", target="LastName")
        if not values.get("BusinessPartner"):
            values["BusinessPartner"] = ctx.next_number(
                "A_BusinessPartner", "BusinessPartner", start=PARTNER_NUMBERS_FROM
            )
        name = full_name(values)
        values.update(
            BusinessPartnerFullName=name,
            BusinessPartnerName=name,
            BusinessPartnerUUID=str(uuid.uuid4()),
            IsNaturalPerson="X" if category == "1" else "",
            ETag=_sap_etag(ctx),
        )
        if _wants_customer(draft):
            self._check_customer_data(draft)
            values["Customer"] = values["BusinessPartner"]

    @staticmethod
    def _check_customer_data(draft: Draft) -> None:
        for address in draft.children.get("to_BusinessPartnerAddress", []):
            if not address.values.get("Language"):
                raise business_error(
                    "FSBP_ECC/030",
                    "Standard address doesn't have a language, needed for customer",
                    target="Language",
                )

    def after_create(self, ctx: WriteContext, row: Row) -> None:
        customer = str(row.get("Customer") or "")
        if not customer:
            return
        if ctx.get("A_Customer", {"Customer": customer}) is None:
            # A customer role without to_Customer: SAP creates the customer from the roles.
            ctx.insert("A_Customer", {"Customer": customer, "CustomerAccountGroup": "CUST"})
        _sync_customer_name(ctx, row)
        for role in CUSTOMER_ROLES:
            if (
                ctx.get(
                    "A_BusinessPartnerRole",
                    {"BusinessPartner": row["BusinessPartner"], "BusinessPartnerRole": role},
                )
                is None
            ):
                ctx.insert("A_BusinessPartnerRole", _role(row["BusinessPartner"], role, ctx))
        open_credit_account(ctx, row["BusinessPartner"])

    def before_update(self, ctx: WriteContext, row: Row, changes: dict[str, Any]) -> None:
        merged = {**row, **changes}
        if any(
            name.startswith(("OrganizationBPName", "FirstName", "LastName")) for name in changes
        ):
            name = full_name(merged)
            changes.update(BusinessPartnerFullName=name, BusinessPartnerName=name)
        changes["ETag"] = _sap_etag(ctx)

    def after_update(self, ctx: WriteContext, row: Row) -> None:
        _sync_customer_name(ctx, row)


def _sync_customer_name(ctx: WriteContext, partner: Row) -> None:
    customer = ctx.get("A_Customer", {"Customer": partner.get("Customer") or ""})
    if customer is not None:
        name = str(partner.get("BusinessPartnerFullName") or "")
        ctx.update("A_Customer", customer, {"CustomerName": name[:80], "CustomerFullName": name})


def _role(partner: str, role: str, ctx: WriteContext) -> dict[str, Any]:
    return {
        "BusinessPartner": partner,
        "BusinessPartnerRole": role,
        "ValidFrom": datetime_to_us(ctx.clock.now()),
        "ValidTo": OPEN_END_US,
    }


class RoleRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        _require_partner(ctx, draft.values, parent)
        draft.values.setdefault("ValidFrom", datetime_to_us(ctx.clock.now()))
        draft.values.setdefault("ValidTo", OPEN_END_US)


def _require_partner(ctx: WriteContext, values: dict[str, Any], parent: Row | None) -> Row:
    if parent is not None:
        return parent
    partner = ctx.get("A_BusinessPartner", {"BusinessPartner": values.get("BusinessPartner") or ""})
    if partner is None:
        raise business_error(
            "R11/401",
            f"Business partner {values.get('BusinessPartner')} does not exist",
            target="BusinessPartner",
        )
    return partner


class AddressRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        partner = _require_partner(ctx, values, parent)
        if not values.get("Country"):
            raise required("ADRC-COUNTRY", "Country/Region", target="Country")
        if partner.get("Customer") and not values.get("Language"):
            raise business_error(
                "FSBP_ECC/030",
                "Standard address doesn't have a language, needed for customer",
                target="Language",
            )
        values["AddressID"] = ctx.next_number(
            "A_BusinessPartnerAddress", "AddressID", start=ADDRESS_NUMBERS_FROM
        )
        values.update(
            AddressUUID=str(uuid.uuid4()),
            FullName=str(partner.get("BusinessPartnerFullName") or "")[:80],
        )
        values.setdefault("ValidityStartDate", datetime_to_us(ctx.clock.now()))
        values.setdefault("ValidityEndDate", OPEN_END_US)

    def after_update(self, ctx: WriteContext, row: Row) -> None:
        touch_partner(ctx, str(row["BusinessPartner"]))


class CommunicationRules(EntityRules):
    """E-mail addresses, phone numbers and home pages: numbered per address, the first is the
    default."""

    def __init__(self, set_name: str, default_flag: str) -> None:
        self.set_name = set_name
        self.default_flag = default_flag

    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        address = values.get("AddressID") or ""
        if parent is None and not ctx.select(
            "A_BusinessPartnerAddress", "t.AddressID = ?", (address,)
        ):
            raise business_error("AM/027", f"Address {address} does not exist", target="AddressID")
        values["Person"] = values.get("Person") or ""
        values["OrdinalNumber"] = ctx.next_number(
            self.set_name, "OrdinalNumber", start=1, where="t.AddressID = ?", params=(address,)
        )
        if values["OrdinalNumber"] == "1" and self.default_flag not in values:
            values[self.default_flag] = 1

    def after_create(self, ctx: WriteContext, row: Row) -> None:
        touch_partner_of_address(ctx, str(row["AddressID"]))

    def after_update(self, ctx: WriteContext, row: Row) -> None:
        touch_partner_of_address(ctx, str(row["AddressID"]))


class CustomerRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        if not values.get("CustomerAccountGroup"):
            values["CustomerAccountGroup"] = "CUST"
        if parent is not None:
            name = str(parent.get("BusinessPartnerFullName") or "")
            values.update(CustomerName=name[:80], CustomerFullName=name)

    def after_update(self, ctx: WriteContext, row: Row) -> None:
        touch_partner_of_customer(ctx, str(row["Customer"]))


def _require_customer(ctx: WriteContext, values: dict[str, Any], parent: Row | None) -> None:
    if parent is None and ctx.get("A_Customer", {"Customer": values.get("Customer") or ""}) is None:
        raise business_error(
            "F2/153", f"Customer {values.get('Customer')} does not exist", target="Customer"
        )


class SalesAreaRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        _require_customer(ctx, values, parent)
        for field, column, label in (
            ("SalesOrganization", "KNVV-VKORG", "Sales Organization"),
            ("DistributionChannel", "KNVV-VTWEG", "Distribution Channel"),
            ("Division", "KNVV-SPART", "Division"),
        ):
            if not values.get(field):
                raise required(column, label, target=field)
        if not values.get("Currency"):
            raise required("KNVV-WAERS", "Currency", target="Currency")
        values.setdefault("CustomerAccountGroup", "CUST")

    def after_create(self, ctx: WriteContext, row: Row) -> None:
        """The customer itself as sold-to, ship-to, bill-to and payer, unless sent."""
        area = {
            name: row[name]
            for name in ("Customer", "SalesOrganization", "DistributionChannel", "Division")
        }
        for function in SALES_PARTNER_FUNCTIONS:
            key = {**area, "PartnerCounter": "0", "PartnerFunction": function}
            existing = ctx.select(
                "A_CustSalesPartnerFunc",
                "t.Customer = ? AND t.SalesOrganization = ? AND t.DistributionChannel = ? "
                "AND t.Division = ? AND t.PartnerFunction = ?",
                (*area.values(), function),
            )
            if not existing:
                ctx.insert(
                    "A_CustSalesPartnerFunc",
                    {**key, "BPCustomerNumber": row["Customer"], "DefaultPartner": 1},
                )

    def after_update(self, ctx: WriteContext, row: Row) -> None:
        touch_partner_of_customer(ctx, str(row["Customer"]))


class CompanyRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        _require_customer(ctx, values, parent)
        if not values.get("CompanyCode"):
            raise required("KNB1-BUKRS", "Company Code", target="CompanyCode")
        if not values.get("ReconciliationAccount"):
            raise required("KNB1-AKONT", "Reconciliation Account", target="ReconciliationAccount")
        values.setdefault("CustomerAccountGroup", "CUST")


class PartnerFunctionRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        _require_customer(ctx, values, parent)
        if not values.get("PartnerFunction"):
            raise required("KNVP-PARVW", "Partner Function", target="PartnerFunction")
        values["PartnerCounter"] = values.get("PartnerCounter") or "0"
        values["BPCustomerNumber"] = values.get("BPCustomerNumber") or values["Customer"]


def build_rules() -> dict[str, EntityRules]:
    return {
        "A_BusinessPartner": BusinessPartnerRules(),
        "A_BusinessPartnerRole": RoleRules(),
        "A_BusinessPartnerAddress": AddressRules(),
        "A_AddressEmailAddress": CommunicationRules(
            "A_AddressEmailAddress", "IsDefaultEmailAddress"
        ),
        "A_AddressPhoneNumber": CommunicationRules("A_AddressPhoneNumber", "IsDefaultPhoneNumber"),
        "A_AddressHomePageURL": CommunicationRules("A_AddressHomePageURL", "IsDefaultURLAddress"),
        "A_Customer": CustomerRules(),
        "A_CustomerSalesArea": SalesAreaRules(),
        "A_CustomerCompany": CompanyRules(),
        "A_CustSalesPartnerFunc": PartnerFunctionRules(),
    }
