"""Account change events: CometD messages read as this API's account changes."""

from __future__ import annotations

from typing import Any

from salesforce_system.adapters.salesforce.account_feed import account_change, is_position


def message(change_type: str = "UPDATE", origin: str = "", **fields: Any) -> dict[str, Any]:
    header = {
        "entityName": "Account", "recordIds": ["001000000000001AAA"], "changeType": change_type,
        "changeOrigin": origin, "commitTimestamp": 1717171717000, "commitUser": "005A",
        "changedFields": list(fields), "transactionKey": "t-1", "sequenceNumber": 1,
    }  # fmt: skip
    return {
        "channel": "/data/AccountChangeEvent",
        "data": {"payload": {"ChangeEventHeader": header, **fields}, "event": {"replayId": 7}},
    }


class TestAccountChange:
    def test_fields_in_this_apis_words(self) -> None:
        change = account_change(
            message(Phone="+49 1", BillingAddress={"City": "Kiel"}, ERP_Blocked__c=True),
            suite_client="trivium",
        )

        assert change.replay_id == 7
        assert change.values == {
            "phone": "+49 1", "billingAddress": {"city": "Kiel"}, "erpBlocked": True
        }  # fmt: skip
        assert change.commit_timestamp.year == 2024

    def test_compound_changed_fields(self) -> None:
        raw = message(Phone="1")
        raw["data"]["payload"]["ChangeEventHeader"]["changedFields"] = [
            "BillingAddress.City", "Fax", "Phone"
        ]  # fmt: skip

        assert account_change(raw, suite_client="trivium").changed_fields == [
            "billingAddress.city", "phone"
        ]  # fmt: skip

    def test_own_writes_are_marked(self) -> None:
        own = account_change(
            message(origin="com/salesforce/api/rest/62.0;client=trivium"), suite_client="trivium"
        )
        user = account_change(
            message(origin="com/salesforce/api/rest/62.0"), suite_client="trivium"
        )

        assert own.origin.from_suite is True
        assert own.origin.api == "rest"
        assert user.origin.from_suite is False

    def test_gap_events(self) -> None:
        change = account_change(message("GAP_OVERFLOW"), suite_client="trivium")

        assert change.change_type.is_gap
        assert change.values == {}


class TestIsPosition:
    def test_known_shapes(self) -> None:
        assert all(is_position(p) for p in ("-1", "-2", "42", "live:" + "a" * 32))
        assert not any(is_position(p) for p in ("-3", "x", "live:zz", "1.5"))
