"""simple-salesforce 1.12, unchanged, against a running emulator process."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

from salesforce_emulator.emulator import demo_private_key


class TestLogin:
    def test_soap_login_with_security_token(self, sf: Salesforce) -> None:
        assert re.match(r"^00D[0-9A-Za-z]{12}!", sf.session_id)
        assert sf.sf_instance.startswith("127.0.0.1:")

    def test_wrong_password(self, http_session: requests.Session) -> None:
        with pytest.raises(SalesforceAuthenticationFailed) as raised:
            Salesforce(
                username="integration@trivium.demo",
                password="guess",
                security_token="x",
                session=http_session,
            )
        assert raised.value.code == "INVALID_LOGIN"

    def test_client_credentials(self, http_session: requests.Session) -> None:
        sf = Salesforce(
            consumer_key="trivium-demo-client",
            consumer_secret="trivium-demo-secret",
            domain="trivium.my",
            session=http_session,
        )
        assert sf.limits()["DailyApiRequests"]["Max"] == 100000

    def test_password_grant(self, http_session: requests.Session) -> None:
        sf = Salesforce(
            username="integration@trivium.demo",
            password="trivium-demo-passwordTRIVIUMDEMOTOKEN",
            consumer_key="trivium-demo-client",
            consumer_secret="trivium-demo-secret",
            session=http_session,
        )
        assert sf.describe()["maxBatchSize"] == 200

    def test_jwt_bearer(self, http_session: requests.Session) -> None:
        sf = Salesforce(
            username="integration@trivium.demo",
            consumer_key="trivium-demo-client",
            privatekey=demo_private_key().decode(),
            session=http_session,
        )
        assert sf.Account.describe()["name"] == "Account"

    def test_session_refresh_after_revocation(
        self, sf: Salesforce, http_session: requests.Session
    ) -> None:
        old = sf.session_id
        http_session.post(
            "https://login.salesforce.com/services/oauth2/revoke", data={"token": old}
        )
        # simple-salesforce logs in again on 401 INVALID_SESSION_ID and retries.
        record = sf.Account.create({"Name": "After refresh"})
        assert record["success"] is True
        assert sf.session_id != old


class TestRecords:
    def test_create_get_update_delete(self, sf: Salesforce) -> None:
        created = sf.Account.create({"Name": "Acme GmbH", "BillingCity": "Berlin"})
        record_id = created["id"]
        assert created == {"id": record_id, "success": True, "errors": []}
        assert sf.Account.get(record_id)["Name"] == "Acme GmbH"
        assert sf.Account.update(record_id, {"Phone": "+49 30 1"}) == 204
        assert sf.Account.get(record_id)["Phone"] == "+49 30 1"
        assert sf.Account.delete(record_id) == 204
        with pytest.raises(SalesforceResourceNotFound) as raised:
            sf.Account.get(record_id)
        assert raised.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"
        sf.limits()
        usage = sf.api_usage["api-usage"]
        assert 0 < usage.used < usage.total == 100000

    def test_upsert_and_get_by_custom_id(self, sf: Salesforce) -> None:
        number = f"9{int(time.time() * 1000) % 10**9}"
        assert sf.Account.upsert(f"ERP_Customer_Number__c/{number}", {"Name": "Partner"}) == 201
        assert sf.Account.upsert(f"ERP_Customer_Number__c/{number}", {"Phone": "1"}) == 200
        record = sf.Account.get_by_custom_id("ERP_Customer_Number__c", number)
        assert (record["Name"], record["Phone"]) == ("Partner", "1")

    def test_validation_error(self, sf: Salesforce) -> None:
        with pytest.raises(SalesforceMalformedRequest) as raised:
            sf.Opportunity.create({"Name": "Deal"})
        assert raised.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"

    def test_describe_and_metadata(self, sf: Salesforce) -> None:
        assert sf.Product2.metadata()["objectDescribe"]["keyPrefix"] == "01t"
        fields = {item["name"] for item in sf.Order.describe()["fields"]}
        assert {"ERP_Order_Number__c", "ERP_Status__c", "TotalAmount"} <= fields


class TestQueryPaging:
    def test_query_all_follows_next_records_url_over_5000_rows(self, sf: Salesforce) -> None:
        marker = f"Paged {time.time_ns()}"
        for start in range(0, 5000, 200):
            records = [
                {"attributes": {"type": "Contact"}, "LastName": marker, "FirstName": str(index)}
                for index in range(start, start + 200)
            ]
            results = sf.restful("composite/sobjects", method="POST", json={"records": records})
            assert all(result["success"] for result in results)
        soql = f"SELECT Id, FirstName FROM Contact WHERE LastName = '{marker}'"
        first = sf.query(soql)
        assert (first["totalSize"], first["done"], len(first["records"])) == (5000, False, 2000)
        everything = sf.query_all(soql)
        assert everything["totalSize"] == 5000
        assert len({record["Id"] for record in everything["records"]}) == 5000
        streamed = sum(1 for _ in sf.query_all_iter(soql, include_deleted=True))
        assert streamed == 5000


class TestComposite:
    def test_composite_through_restful(self, sf: Salesforce) -> None:
        base = "/services/data/v62.0"
        response = sf.restful(
            "composite",
            method="POST",
            json={
                "allOrNone": True,
                "compositeRequest": [
                    {
                        "method": "POST",
                        "url": f"{base}/sobjects/Account",
                        "referenceId": "acct",
                        "body": {"Name": "Composite GmbH"},
                    },
                    {
                        "method": "POST",
                        "url": f"{base}/sobjects/Contact",
                        "referenceId": "cont",
                        "body": {"LastName": "Muster", "AccountId": "@{acct.id}"},
                    },
                ],
            },
        )
        account, contact = response["compositeResponse"]
        assert (account["httpStatusCode"], contact["httpStatusCode"]) == (201, 201)
        assert sf.Contact.get(contact["body"]["id"])["AccountId"] == account["body"]["id"]


class TestBulk2:
    def test_insert_upsert_and_query(self, sf: Salesforce) -> None:
        tag = f"{time.time_ns() % 10**8:08d}"
        records = [
            {
                "Name": f"Bulk {index}",
                "ERP_Material__c": f"BLK-{tag}-{index:04d}",
                "IsActive": "true",
            }
            for index in range(1500)
        ]
        inserted = sf.bulk2.Product2.insert(records=records, wait=0)
        assert inserted[0]["numberRecordsProcessed"] == 1500
        assert inserted[0]["numberRecordsFailed"] == 0
        changes = [
            {
                "ERP_Material__c": f"BLK-{tag}-{index:04d}",
                "Name": f"Bulk {index}",
                "Available_Quantity__c": str(index),
            }
            for index in range(0, 1600, 2)
        ]
        upserted = sf.bulk2.Product2.upsert(
            records=changes, external_id_field="ERP_Material__c", wait=0
        )
        assert upserted[0]["numberRecordsProcessed"] == 800
        assert upserted[0]["numberRecordsFailed"] == 0
        results = sf.bulk2.Product2.get_all_ingest_records(upserted[0]["job_id"])
        created = [row["sf__Created"] for row in results["successfulRecords"]]
        assert (created.count("false"), created.count("true")) == (750, 50)
        soql = (
            "SELECT Id, ERP_Material__c, Available_Quantity__c FROM Product2 "
            f"WHERE ERP_Material__c LIKE 'BLK-{tag}-%'"
        )
        pages = list(sf.bulk2.Product2.query(soql, max_records=1000, wait=0))
        assert len(pages) == 2
        lines = [line for page in pages for line in page.splitlines()[1:]]
        assert len(lines) == 1550

    def test_failed_rows_are_reported(self, sf: Salesforce) -> None:
        result = sf.bulk2.Contact.insert(records=[{"FirstName": "No last name"}], wait=0)
        assert result[0]["numberRecordsFailed"] == 1
        failed = sf.bulk2.Contact.get_failed_records(result[0]["job_id"])
        assert "REQUIRED_FIELD_MISSING" in failed


class TestChangeDataCapture:
    def test_cometd_subscriber_sees_a_write_with_its_client_origin(
        self, sf: Salesforce, http_session: requests.Session
    ) -> None:
        url = f"https://{sf.sf_instance}/cometd/62.0"
        headers = {"Authorization": f"Bearer {sf.session_id}"}

        def bayeux(*messages: dict[str, Any]) -> list[dict[str, Any]]:
            response = http_session.post(url, json=list(messages), headers=headers, timeout=10)
            assert response.status_code == 200
            replies: list[dict[str, Any]] = response.json()
            return replies

        channel = "/data/AccountChangeEvent"
        handshake = bayeux({"channel": "/meta/handshake", "version": "1.0", "id": "1"})
        client_id = handshake[0]["clientId"]
        subscription = bayeux(
            {"channel": "/meta/subscribe", "clientId": client_id, "id": "2",
             "subscription": channel, "ext": {"replay": {channel: -1}}},
        )  # fmt: skip
        assert subscription[0]["successful"] is True
        connect = {
            "channel": "/meta/connect", "clientId": client_id, "id": "3",
            "connectionType": "long-polling",
        }  # fmt: skip
        account = sf.Account.create({"Name": "Streamed"})["id"]
        created = [reply for reply in bayeux(connect) if reply["channel"] == channel]
        assert created[0]["data"]["payload"]["ChangeEventHeader"]["changeType"] == "CREATE"
        # That the long poll holds until something changes: test_streaming_api.py.
        with ThreadPoolExecutor(max_workers=1) as pool:
            poll = pool.submit(bayeux, connect)
            sf.Account.update(
                account, {"Phone": "+49 40 1"}, headers={"Sforce-Call-Options": "client=erp-sync"}
            )
            replies = poll.result(timeout=10)
        payload = next(reply for reply in replies if reply["channel"] == channel)["data"]["payload"]
        header = payload["ChangeEventHeader"]
        assert (header["changeType"], header["recordIds"]) == ("UPDATE", [account])
        assert header["changeOrigin"] == "com/salesforce/api/rest/62.0;client=erp-sync"
        assert header["changedFields"] == ["Phone", "LastModifiedDate"]
        assert payload["Phone"] == "+49 40 1"
