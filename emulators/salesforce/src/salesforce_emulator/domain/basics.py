"""What every org has before anyone writes: its integration user and the standard price book."""

from __future__ import annotations

from dataclasses import dataclass

from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.org import Org
from salesforce_emulator.domain.persist import insert_rows, stamp_create
from salesforce_emulator.domain.rules import standard_pricebook_id
from salesforce_emulator.domain.store import quote_name

STANDARD_PRICEBOOK_NAME = "Standard Price Book"


@dataclass(frozen=True, slots=True)
class OrgUser:
    """A user who can log in."""

    id: str
    username: str
    first_name: str
    last_name: str
    email: str


def active_user(org: Org, username: str) -> OrgUser | None:
    """The active user named `username` (usernames compare without case), or None."""
    with org.store.reading() as conn:
        row = conn.execute(
            'SELECT "Id", "Username", "FirstName", "LastName", "Email" '
            f"FROM {quote_name('User')} "
            'WHERE "Username" = ? COLLATE NOCASE AND "IsActive" = 1',
            (username,),
        ).fetchone()
    if row is None:
        return None
    return OrgUser(row[0], row[1], row[2] or "", row[3] or "", row[4] or "")


def ensure_user(org: Org, *, username: str, email: str) -> OrgUser:
    """The user named `username`, created on first start (User is read-only through the API)."""
    obj = org.object_or_raise("User")
    with org.store.transaction() as conn:
        row = conn.execute(
            f'SELECT "Id", "FirstName", "LastName", "Email" FROM {quote_name("User")} '
            'WHERE "Username" = ? COLLATE NOCASE',
            (username,),
        ).fetchone()
        if row is not None:
            return OrgUser(row[0], username, row[1] or "", row[2], row[3])
        user_id = org.ids.new_id(obj.key_prefix)
        values = {
            "Username": username, "FirstName": "Integration", "LastName": "User",
            "Name": "Integration User", "Alias": "integ", "Email": email, "IsActive": 1,
        }  # fmt: skip
        stamp_create(obj, values, record_id=user_id, ctx=WriteContext(user_id, "system"))
        insert_rows(conn, obj, [values])
        return OrgUser(user_id, username, "Integration", "User", email)


def ensure_standard_pricebook(org: Org, ctx: WriteContext) -> str:
    """The id of the org's one standard price book, created on first start."""
    obj = org.object_or_raise("Pricebook2")
    with org.store.transaction() as conn:
        existing = standard_pricebook_id(conn)
        if existing is not None:
            return existing
        values = {"Name": STANDARD_PRICEBOOK_NAME, "IsActive": 1, "IsStandard": 1}
        book_id = org.ids.new_id(obj.key_prefix)
        stamp_create(obj, values, record_id=book_id, ctx=ctx)
        insert_rows(conn, obj, [values])
        return book_id
