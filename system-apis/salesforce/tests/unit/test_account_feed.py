"""Account change events: CometD messages read as this API's neutral account changes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from salesforce_system.adapters.salesforce.account_feed import account_change
from salesforce_system.adapters.salesforce.positions import ReplayFrom, read_position
from salesforce_system.domain.sync_models import ChangeType
from salesforce_system.main import create_app
from salesforce_system.settings import SalesforceSystemSettings
from trivium_testing.keys import session_keys


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

        assert read_position(change.position) == ReplayFrom(7)
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


class TestChangeType:
    @pytest.mark.parametrize(
        ("event_type", "expected"),
        [
            ("CREATE", ChangeType.CREATED),
            ("UPDATE", ChangeType.UPDATED),
            ("DELETE", ChangeType.DELETED),
            ("UNDELETE", ChangeType.CREATED),
        ],
    )
    def test_content_changes(self, event_type: str, expected: ChangeType) -> None:
        change = account_change(message(event_type, Phone="+49 1"), suite_client="trivium")

        assert change.change_type is expected
        assert change.account_ids == ["001000000000001AAA"]
        assert change.values == {"phone": "+49 1"}

    @pytest.mark.parametrize(
        "event_type", ["GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE"]
    )
    def test_gap_events_resync_their_accounts(self, event_type: str) -> None:
        change = account_change(message(event_type), suite_client="trivium")

        assert change.change_type is ChangeType.RESYNC
        assert change.account_ids == ["001000000000001AAA"]
        assert (change.changed_fields, change.values) == ([], {})

    def test_overflow_resyncs_every_account(self) -> None:
        raw = message("GAP_OVERFLOW")
        raw["data"]["payload"]["ChangeEventHeader"]["recordIds"] = ["001000000000000AAA"]

        change = account_change(raw, suite_client="trivium")

        assert change.change_type is ChangeType.RESYNC
        assert change.account_ids == []
        assert change.commit_timestamp.year == 2024

    def test_an_unknown_event_type_resyncs(self) -> None:
        change = account_change(message("SOMETHING_NEW", Phone="1"), suite_client="trivium")

        assert change.change_type is ChangeType.RESYNC
        assert change.values == {}


class TestChangeFeedContract:
    def test_no_change_data_capture_term_crosses_the_tier(self, redis_url: str) -> None:
        settings = SalesforceSystemSettings(
            redis_url=redis_url, **session_keys().settings("salesforce-system")
        )
        document = json.dumps(create_app(settings).openapi()).lower()

        for term in ("replayid", "replay id", "gap_", "overflow", "changeevent", "cometd"):
            assert term not in document, term
