"""A partner's change stamp follows changes to its customer master data.

S/4HANA records a change of a partner's address, communication data, sales areas or credit
account as a change of the partner (change documents under the partner's object), so a delta
read of `A_BusinessPartner` by `LastChangeDate`/`LastChangeTime` finds the partner whichever of
its parts changed. The emulator keeps that by stamping the partner when one of them changes.
"""

from __future__ import annotations

from s4hana_emulator.odata.rules import WriteContext


def touch_partner(ctx: WriteContext, partner: str) -> None:
    """Stamp the partner's LastChangeDate, LastChangeTime and LastChangedByUser."""
    row = ctx.get("A_BusinessPartner", {"BusinessPartner": partner})
    if row is not None:
        ctx.update("A_BusinessPartner", row, {})


def touch_partner_of_customer(ctx: WriteContext, customer: str) -> None:
    """Stamp the partner whose customer number is `customer`."""
    rows = ctx.select("A_BusinessPartner", "t.Customer = ?", (customer,))
    for row in rows:
        ctx.update("A_BusinessPartner", row, {})


def touch_partner_of_address(ctx: WriteContext, address_id: str) -> None:
    """Stamp the partner owning the address `address_id`."""
    for address in ctx.select("A_BusinessPartnerAddress", "t.AddressID = ?", (address_id,)):
        touch_partner(ctx, str(address["BusinessPartner"]))
