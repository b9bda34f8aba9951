from __future__ import annotations

from typing import Any

from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.deletion import delete_records, undelete_records
from salesforce_emulator.domain.dml import (
    RecordResult,
    insert_records,
    update_records,
    upsert_records,
)
from salesforce_emulator.domain.rules import standard_pricebook_id
from salesforce_emulator.domain.store import fetch_dicts
from salesforce_emulator.emulator import Emulator


def insert(
    emulator: Emulator, ctx: WriteContext, name: str, *bodies: dict[str, Any]
) -> list[RecordResult]:
    obj = emulator.org.object_or_raise(name)
    with emulator.org.store.transaction() as conn:
        return insert_records(conn, emulator.org, obj, list(bodies), ctx)


def insert_one(emulator: Emulator, ctx: WriteContext, name: str, body: dict[str, Any]) -> str:
    result = insert(emulator, ctx, name, body)[0]
    assert result.success, result.errors
    assert result.id is not None
    return result.id


def row(emulator: Emulator, name: str, record_id: str) -> dict[str, Any]:
    with emulator.org.store.reading() as conn:
        return fetch_dicts(conn, f'SELECT * FROM "{name}" WHERE "Id" = ?', (record_id,))[0]


def codes(results: list[RecordResult]) -> list[str | None]:
    return [result.errors[0].error_code if result.errors else None for result in results]


def priced_product(
    emulator: Emulator, ctx: WriteContext, price: float = 100.0
) -> tuple[str, str, str]:
    """A product with an active standard price; returns (product, book, entry) ids."""
    with emulator.org.store.reading() as conn:
        book = standard_pricebook_id(conn)
    assert book is not None
    product = insert_one(emulator, ctx, "Product2", {"Name": "Pump", "IsActive": True})
    entry = insert_one(
        emulator,
        ctx,
        "PricebookEntry",
        {"Pricebook2Id": book, "Product2Id": product, "UnitPrice": price, "IsActive": True},
    )
    return product, book, entry


class TestInsertRecords:
    def test_each_record_succeeds_or_fails_alone(
        self, emulator: Emulator, ctx: WriteContext
    ) -> None:
        results = insert(
            emulator,
            ctx,
            "Account",
            {"Name": "Acme", "ERP_Customer_Number__c": "1000001"},
            {"Phone": "1"},
            {"Name": "Twin", "ERP_Customer_Number__c": "1000001"},
            {"Name": "Bad", "Nope__c": 1},
            {"Name": "RO", "CreatedDate": "2024-01-01T00:00:00Z"},
        )
        assert codes(results) == [
            None,
            "REQUIRED_FIELD_MISSING",
            "DUPLICATE_VALUE",
            "INVALID_FIELD",
            "INVALID_FIELD_FOR_INSERT_UPDATE",
        ]
        assert results[1].errors[0].fields == ("Name",)
        assert results[2].errors[0].message.endswith(str(results[0].id))

    def test_unique_values_compare_case_insensitively(
        self, emulator: Emulator, ctx: WriteContext
    ) -> None:
        insert_one(emulator, ctx, "Product2", {"Name": "A", "ERP_Material__c": "MAT-0001"})
        assert codes(
            insert(emulator, ctx, "Product2", {"Name": "B", "ERP_Material__c": "mat-0001"})
        ) == ["DUPLICATE_VALUE"]

    def test_stamps_audit_fields_and_owner(self, emulator: Emulator, ctx: WriteContext) -> None:
        stored = row(emulator, "Account", insert_one(emulator, ctx, "Account", {"Name": "Acme"}))
        assert stored["OwnerId"] == emulator.user.id
        assert stored["CreatedById"] == emulator.user.id
        assert stored["CreatedDate"] == stored["LastModifiedDate"]
        assert stored["CreatedDate"].endswith("+0000")
        assert stored["IsDeleted"] == 0

    def test_lookups_are_checked(self, emulator: Emulator, ctx: WriteContext) -> None:
        account = insert_one(emulator, ctx, "Account", {"Name": "Acme"})
        contact = insert_one(emulator, ctx, "Contact", {"LastName": "Doe", "AccountId": account})
        results = insert(
            emulator,
            ctx,
            "Contact",
            {"LastName": "A", "AccountId": contact},
            {"LastName": "B", "AccountId": "001000000000999AAA"},
            {"LastName": "C", "AccountId": "not-an-id"},
        )
        assert codes(results) == ["MALFORMED_ID", "INVALID_CROSS_REFERENCE_KEY", "MALFORMED_ID"]

    def test_lookup_to_a_deleted_record(self, emulator: Emulator, ctx: WriteContext) -> None:
        account = insert_one(emulator, ctx, "Account", {"Name": "Acme"})
        with emulator.org.store.transaction() as conn:
            delete_records(conn, emulator.org, [account], ctx)
        assert codes(insert(emulator, ctx, "Contact", {"LastName": "A", "AccountId": account})) == [
            "ENTITY_IS_DELETED"
        ]

    def test_lookup_by_external_id(self, emulator: Emulator, ctx: WriteContext) -> None:
        account = insert_one(
            emulator, ctx, "Account", {"Name": "Acme", "ERP_Customer_Number__c": "7"}
        )
        contact = insert_one(
            emulator,
            ctx,
            "Contact",
            {"LastName": "Doe", "Account": {"ERP_Customer_Number__c": "7"}},
        )
        assert row(emulator, "Contact", contact)["AccountId"] == account
        assert row(emulator, "Contact", contact)["Name"] == "Doe"
        missing = insert(
            emulator, ctx, "Contact", {"LastName": "X", "Account": {"ERP_Customer_Number__c": "8"}}
        )
        assert codes(missing) == ["INVALID_FIELD"]

    def test_opportunity_stage_drives_probability(
        self, emulator: Emulator, ctx: WriteContext
    ) -> None:
        opportunity = insert_one(
            emulator,
            ctx,
            "Opportunity",
            {"Name": "Deal", "StageName": "Negotiation/Review", "CloseDate": "2030-01-31"},
        )
        stored = row(emulator, "Opportunity", opportunity)
        assert stored["Probability"] == 90.0
        assert stored["IsClosed"] == 0
        with emulator.org.store.transaction() as conn:
            update_records(
                conn,
                emulator.org,
                emulator.org.object_or_raise("Opportunity"),
                [(opportunity, {"StageName": "Closed Won"})],
                ctx,
            )
        stored = row(emulator, "Opportunity", opportunity)
        assert (stored["IsWon"], stored["IsClosed"], stored["Probability"]) == (1, 1, 100.0)


class TestQuoteRules:
    def test_lines_roll_up_to_the_quote(self, emulator: Emulator, ctx: WriteContext) -> None:
        product, book, entry = priced_product(emulator, ctx)
        account = insert_one(emulator, ctx, "Account", {"Name": "Acme"})
        opportunity = insert_one(
            emulator,
            ctx,
            "Opportunity",
            {
                "Name": "Deal",
                "StageName": "Prospecting",
                "CloseDate": "2030-01-31",
                "AccountId": account,
                "Pricebook2Id": book,
            },
        )
        quote = insert_one(
            emulator, ctx, "Quote", {"Name": "Q1", "OpportunityId": opportunity, "Tax": 5}
        )
        line = insert_one(
            emulator,
            ctx,
            "QuoteLineItem",
            {
                "QuoteId": quote,
                "PricebookEntryId": entry,
                "Quantity": 2,
                "UnitPrice": 90,
                "Discount": 10,
            },
        )
        stored_line = row(emulator, "QuoteLineItem", line)
        assert (stored_line["Product2Id"], stored_line["ListPrice"]) == (product, 100.0)
        assert (stored_line["Subtotal"], stored_line["TotalPrice"]) == (180.0, 162.0)
        stored_quote = row(emulator, "Quote", quote)
        assert stored_quote["AccountId"] == account
        assert stored_quote["Status"] == "Draft"
        assert stored_quote["QuoteNumber"] == "00000001"
        assert (stored_quote["TotalPrice"], stored_quote["GrandTotal"]) == (162.0, 167.0)
        assert stored_quote["LineItemCount"] == 1

    def test_entry_must_be_in_the_quote_price_book(
        self, emulator: Emulator, ctx: WriteContext
    ) -> None:
        _, _, entry = priced_product(emulator, ctx)
        opportunity = insert_one(
            emulator,
            ctx,
            "Opportunity",
            {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2030-01-31"},
        )
        quote = insert_one(emulator, ctx, "Quote", {"Name": "Q1", "OpportunityId": opportunity})
        results = insert(
            emulator,
            ctx,
            "QuoteLineItem",
            {"QuoteId": quote, "PricebookEntryId": entry, "Quantity": 1, "UnitPrice": 1},
        )
        assert codes(results) == ["FIELD_INTEGRITY_EXCEPTION"]

    def test_custom_price_needs_a_standard_price(
        self, emulator: Emulator, ctx: WriteContext
    ) -> None:
        product = insert_one(emulator, ctx, "Product2", {"Name": "Valve"})
        custom = insert_one(emulator, ctx, "Pricebook2", {"Name": "Partners", "IsActive": True})
        results = insert(
            emulator,
            ctx,
            "PricebookEntry",
            {"Pricebook2Id": custom, "Product2Id": product, "UnitPrice": 5},
        )
        assert codes(results) == ["STANDARD_PRICE_NOT_DEFINED"]


class TestOrderRules:
    def test_activation_needs_products_and_totals_roll_up(
        self, emulator: Emulator, ctx: WriteContext
    ) -> None:
        _, book, entry = priced_product(emulator, ctx, price=10)
        account = insert_one(emulator, ctx, "Account", {"Name": "Acme"})
        order = insert_one(
            emulator,
            ctx,
            "Order",
            {"AccountId": account, "EffectiveDate": "2030-01-01", "Pricebook2Id": book},
        )
        order_object = emulator.org.object_or_raise("Order")
        with emulator.org.store.transaction() as conn:
            refused = update_records(
                conn, emulator.org, order_object, [(order, {"Status": "Activated"})], ctx
            )
        assert codes(refused) == ["FIELD_INTEGRITY_EXCEPTION"]
        insert_one(
            emulator,
            ctx,
            "OrderItem",
            {"OrderId": order, "PricebookEntryId": entry, "Quantity": 3, "UnitPrice": 9.5},
        )
        with emulator.org.store.transaction() as conn:
            accepted = update_records(
                conn, emulator.org, order_object, [(order, {"Status": "Activated"})], ctx
            )
        assert codes(accepted) == [None]
        stored = row(emulator, "Order", order)
        assert (stored["StatusCode"], stored["TotalAmount"], stored["OrderNumber"]) == (
            "Activated",
            28.5,
            "00000100",
        )
        assert stored["ActivatedDate"] is not None


class TestUpsertRecords:
    def test_creates_updates_and_refuses_repeats(
        self, emulator: Emulator, ctx: WriteContext
    ) -> None:
        existing = insert_one(
            emulator, ctx, "Account", {"Name": "Old", "ERP_Customer_Number__c": "1"}
        )
        accounts = emulator.org.object_or_raise("Account")
        ext = accounts.field("ERP_Customer_Number__c")
        assert ext is not None
        with emulator.org.store.transaction() as conn:
            results = upsert_records(
                conn,
                emulator.org,
                accounts,
                ext,
                [
                    {"ERP_Customer_Number__c": "1", "Name": "Renamed"},
                    {"ERP_Customer_Number__c": "2", "Name": "New"},
                    {"ERP_Customer_Number__c": "2", "Name": "Again"},
                    {"Name": "No key"},
                ],
                ctx,
            )
        assert [(result.id == existing, result.created) for result in results[:2]] == [
            (True, False),
            (False, True),
        ]
        assert codes(results) == [None, None, "DUPLICATE_VALUE", "MISSING_ARGUMENT"]
        assert row(emulator, "Account", existing)["Name"] == "Renamed"


class TestDeleteRecords:
    def test_cascades_and_undeletes_children(self, emulator: Emulator, ctx: WriteContext) -> None:
        account = insert_one(emulator, ctx, "Account", {"Name": "Acme"})
        contact = insert_one(emulator, ctx, "Contact", {"LastName": "Doe", "AccountId": account})
        with emulator.org.store.transaction() as conn:
            results = delete_records(conn, emulator.org, [account, account], ctx)
        assert codes(results) == [None, "ENTITY_IS_DELETED"]
        assert row(emulator, "Contact", contact)["IsDeleted"] == 1
        with emulator.org.store.transaction() as conn:
            assert codes(undelete_records(conn, emulator.org, [account], ctx)) == [None]
        assert row(emulator, "Account", account)["IsDeleted"] == 0
        assert row(emulator, "Contact", contact)["IsDeleted"] == 0

    def test_rolled_back_with_the_transaction(self, emulator: Emulator, ctx: WriteContext) -> None:
        account = insert_one(emulator, ctx, "Account", {"Name": "Acme"})
        try:
            with emulator.org.store.transaction() as conn:
                delete_records(conn, emulator.org, [account], ctx)
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        assert row(emulator, "Account", account)["IsDeleted"] == 0
