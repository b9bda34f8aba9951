"""The flows `make demo` walks: each method is one step, returns what it saw in a few words, and
raises StepFailed when the system did not do what the step says.

Waits for something to arrive (a sync, an order) poll with a condition and a deadline.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import httpx
from demo_credentials import local_credential, mint_operator_token
from demo_erp import DeskFailed, open_desk

SALESFORCE_DATA = "/services/data/v62.0"
PARTNER_ACCOUNT = "P-1001"
PARTNER_CUSTOMER = "1000001"
DEMO_QUOTE = "Quote 01"
POLL_SECONDS = 0.25
T = TypeVar("T")


class StepFailed(Exception):
    """The step's system did not do what the step says."""


@dataclass(frozen=True)
class Targets:
    """Where the running suite is and the credentials its users hold."""

    gateway: str
    salesforce: str
    erp: str
    erp_url: str
    customer_sync: str
    gold_key: str
    bronze_key: str
    rep_token: str
    rep_username: str
    wait_seconds: float


def expect(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    """The JSON body of a response with one of `statuses`; StepFailed naming the problem else."""
    if response.status_code not in statuses:
        detail = response.text[:300].replace("\n", " ")
        raise StepFailed(f"{response.request.method} {response.request.url.path} answered "
                         f"{response.status_code}: {detail}")  # fmt: skip
    if not response.content:
        return {}
    body: dict[str, Any] = response.json()
    return body


def money(amount: dict[str, str] | None) -> str:
    if not amount:
        return "-"
    return f"{Decimal(amount['amount']):,.2f} {amount['currency']}"


class DemoFlows:
    """The clients of each user of the demo, and the steps they take."""

    def __init__(self, targets: Targets, clients: dict[str, httpx.Client]) -> None:
        self.erp = open_desk(targets.erp, targets.erp_url, timeout=httpx.Timeout(30.0))
        self.targets = targets
        self.partner = clients["partner"]
        self.rep = clients["rep"]
        self.gateway = clients["gateway"]
        self.org = clients["org"]
        self.operator = clients["operator"]
        self._order_body: dict[str, Any] = {}
        self._order_key = ""
        self._order_id = ""
        self._customer: dict[str, Any] = {}
        self._last_sync: dict[str, Any] = {}

    @classmethod
    def open(cls, targets: Targets) -> DemoFlows:
        timeout = httpx.Timeout(30.0)
        gateway = httpx.Client(base_url=targets.gateway, timeout=timeout)
        partner = httpx.Client(
            base_url=targets.gateway, headers={"apikey": targets.gold_key}, timeout=timeout
        )
        rep = httpx.Client(
            base_url=targets.gateway,
            headers={"Authorization": f"Bearer {targets.rep_token}"},
            timeout=timeout,
        )
        operator = httpx.Client(
            base_url=targets.customer_sync,
            headers={"Authorization": f"Bearer {mint_operator_token('customer-sync')}"},
            timeout=timeout,
        )
        org = httpx.Client(base_url=targets.salesforce, timeout=timeout)
        clients = {"gateway": gateway, "partner": partner, "rep": rep, "operator": operator,
                   "org": org}  # fmt: skip
        flows = cls(targets, clients)
        try:
            flows._sign_in_to_salesforce()
        except BaseException:
            flows.close()
            raise
        return flows

    def close(self) -> None:
        for client in (self.partner, self.rep, self.gateway, self.org, self.operator):
            client.close()
        self.erp.close()

    def _sign_in_to_salesforce(self) -> None:
        token = self.org.post(
            "/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": os.environ.get("SF_SYSTEM_CLIENT_ID", "trivium-demo-client"),
                "client_secret": local_credential("SF_SYSTEM_CLIENT_SECRET"),
            },
        )
        self.org.headers["Authorization"] = f"Bearer {expect(token, 200)['access_token']}"

    # The partner, through the gateway with an API key.

    def partner_account(self) -> str:
        account = expect(self.partner.get("/partner/v1/account"), 200)
        credit = account.get("credit") or {}
        return (f"{account['accountNumber']} {account['name']}, credit available "
                f"{money(credit.get('available'))}")  # fmt: skip

    def catalog(self) -> str:
        page = expect(self.partner.get("/partner/v1/catalog", params={"limit": 5}), 200)
        items = page["items"]
        if not items:
            raise StepFailed("the catalog is empty")
        first = items[0]
        return (f"{len(items)} products on the first page, e.g. {first['sku']} at "
                f"{money(first['unitPrice'])}, {first['availability']['status']}")  # fmt: skip

    def partner_order(self) -> str:
        self._order_key = secrets.token_hex(12)
        self._order_body = {
            "purchaseOrderNumber": f"DEMO-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}",
            "lines": [{"sku": "MAT-0002", "quantity": "2"}, {"sku": "MAT-0003", "quantity": "1"}],
        }
        response = self.partner.post(
            "/partner/v1/orders",
            json=self._order_body,
            headers={"Idempotency-Key": self._order_key},
        )
        order = expect(response, 201)
        if order["status"] != "completed" or not order.get("erpOrderNumber"):
            raise StepFailed(f"the order is {order['status']}, not completed: {order}")
        self._order_id = order["orderId"]
        crm_number = self._crm_order_number(order["erpOrderNumber"])
        return (f"201 {order['purchaseOrderNumber']}: ERP order {order['erpOrderNumber']}, "
                f"Salesforce order {crm_number}, total {money(order['total'])}")  # fmt: skip

    def _crm_order_number(self, erp_order_number: str) -> str:
        rows = self._soql(
            f"SELECT OrderNumber FROM Order WHERE ERP_Order_Number__c = '{erp_order_number}'"
        )
        if len(rows) != 1:
            raise StepFailed(
                f"Salesforce holds {len(rows)} orders for ERP order {erp_order_number}"
            )
        number: str = rows[0]["OrderNumber"]
        return number

    def partner_order_again(self) -> str:
        if not self._order_id:
            raise StepFailed("there is no first order to repeat")
        response = self.partner.post(
            "/partner/v1/orders",
            json=self._order_body,
            headers={"Idempotency-Key": self._order_key},
        )
        order = expect(response, 201)
        if order["orderId"] != self._order_id:
            raise StepFailed(f"a second order {order['orderId']} was placed")
        if response.headers.get("Idempotent-Replayed") != "true":
            raise StepFailed("the answer is not marked Idempotent-Replayed")
        return f"replayed: the same order {order['orderId']}, nothing placed twice"

    def bronze_quota(self) -> str:
        bronze = {"apikey": self.targets.bronze_key}
        first = self.gateway.get("/partner/v1/account", headers=bronze)
        if first.status_code == 429:
            return self._refused(first, sent=1)
        expect(first, 200)
        remaining = int(first.headers.get("RateLimit-Remaining", "0"))
        limit = first.headers.get("RateLimit-Limit", "?")
        # A bounded walk to the edge of the window: the remaining requests, then one more.
        for sent in range(2, remaining + 3):
            response = self.gateway.get("/partner/v1/account", headers=bronze)
            if response.status_code == 429:
                return self._refused(response, sent=sent, limit=limit)
            expect(response, 200)
        raise StepFailed(f"no 429 after {remaining + 2} requests on a limit of {limit}")

    @staticmethod
    def _refused(response: httpx.Response, *, sent: int, limit: str = "") -> str:
        retry_after = response.headers.get("Retry-After")
        if not retry_after:
            raise StepFailed("429 without Retry-After")
        window = f" of {limit}/window" if limit else ""
        return f"429 after {sent} requests{window}, Retry-After {retry_after} s"

    # The sales rep, through the gateway with a JWT.

    def rep_accounts(self) -> str:
        page = expect(self.rep.get("/mobile/v1/accounts", params={"limit": 50}), 200)
        names = [item["name"] for item in page["items"]]
        if not names:
            raise StepFailed(f"{self.targets.rep_username} owns no accounts")
        more = " and more" if page.get("nextCursor") else ""
        return f"{len(names)}{more} accounts of {self.targets.rep_username}, e.g. {names[0]}"

    def customer_360(self) -> str:
        account_id = self._account_id(PARTNER_ACCOUNT)
        first = self.rep.get(f"/mobile/v1/accounts/{account_id}")
        view = expect(first, 200)
        sections = ("account", "contacts", "opportunities", "orders", "invoices", "credit")
        down = [name for name in sections if view[name]["status"] != "ok"]
        if down:
            raise StepFailed(f"sections unavailable: {', '.join(down)}")
        etag = first.headers.get("ETag")
        if not etag:
            raise StepFailed("no ETag on the 360 view")
        again = self.rep.get(f"/mobile/v1/accounts/{account_id}", headers={"If-None-Match": etag})
        expect(again, 304)
        return (f"{PARTNER_ACCOUNT}: {len(view['contacts']['items'])} contacts, "
                f"{len(view['opportunities']['items'])} opportunities, "
                f"{len(view['orders']['items'])} ERP orders; 304 with If-None-Match")  # fmt: skip

    def quote_to_order(self) -> str:
        [quote] = self._soql(f"SELECT Id FROM Quote WHERE Name = '{DEMO_QUOTE}'")
        response = self.rep.post(
            f"/mobile/v1/quotes/{quote['Id']}/order",
            headers={"Idempotency-Key": secrets.token_hex(12)},
        )
        if response.status_code == 409:
            problem = expect(response, 409)
            existing = problem.get("existingOrderId")
            if not existing:
                raise StepFailed(f"409 without the existing order: {problem}")
            order = expect(self.rep.get(f"/mobile/v1/orders/{existing}"), 200)
            return (f"{DEMO_QUOTE} was ordered by an earlier run: order {existing} is "
                    f"{order['status']}, ERP order {order.get('erpOrderNumber')}")  # fmt: skip
        order = expect(response, 201)
        if order["status"] != "completed":
            raise StepFailed(f"the order is {order['status']}: {order.get('failure')}")
        return (f"201 {DEMO_QUOTE} ({quote['Id']}): ERP order {order['erpOrderNumber']}, "
                f"total {money(order['total'])}")  # fmt: skip

    def create_customer(self) -> str:
        suffix = secrets.token_hex(3).upper()
        self._customer = {
            "name": f"Demo Kunde {suffix} GmbH",
            "phone": "+49 89 " + str(secrets.randbelow(9_000_000) + 1_000_000),
            "email": f"einkauf-{suffix.lower()}@kunde.example",
            "website": f"https://www.kunde-{suffix.lower()}.example",
            "address": {"street": "Leopoldstraße", "houseNumber": "12", "postalCode": "80802",
                        "city": "München", "country": "DE"},
        }  # fmt: skip
        response = self.rep.post(
            "/mobile/v1/customers",
            json=self._customer,
            headers={"Idempotency-Key": secrets.token_hex(12)},
        )
        result = expect(response, 201, 202)
        if response.status_code == 202:
            return f"202 {self._customer['name']}: accepted, request {result['requestId']}"
        return (f"201 {self._customer['name']}: Salesforce account {result['accountId']}, "
                f"ERP customer {result['erpCustomerNumber']}")  # fmt: skip

    def duplicate_customer(self) -> str:
        if not self._customer:
            raise StepFailed("there is no first customer to repeat")
        response = self.rep.post(
            "/mobile/v1/customers",
            json=self._customer,
            headers={"Idempotency-Key": secrets.token_hex(12)},
        )
        problem = expect(response, 409)
        return f"409 {problem.get('title', '')}".rstrip()

    # The Salesforce user and the ERP user, each in their own system; customer-sync in between.

    def salesforce_edit_reaches_erp(self) -> str:
        phone = "+49 40 " + str(secrets.randbelow(9_000_000) + 1_000_000)
        account_id = self._account_id(PARTNER_ACCOUNT)
        edit = self.org.patch(f"{SALESFORCE_DATA}/sobjects/Account/{account_id}",
                              json={"Phone": phone})  # fmt: skip
        expect(edit, 204)
        took = self._until(lambda: phone in self._erp(self.erp.phones, PARTNER_CUSTOMER),
                           what=f"the phone {phone} in the ERP")  # fmt: skip
        return f"{PARTNER_ACCOUNT} phone {phone} is on ERP customer {PARTNER_CUSTOMER} after {took}"

    def erp_credit_reaches_salesforce(self) -> str:
        current = self._erp(self.erp.credit_limit, PARTNER_CUSTOMER)
        raised = current + 1_000
        self._erp(self.erp.set_credit_limit, PARTNER_CUSTOMER, raised)
        account_id = self._account_id(PARTNER_ACCOUNT)

        def arrived() -> bool:
            record = expect(self.org.get(
                f"{SALESFORCE_DATA}/sobjects/Account/{account_id}",
                params={"fields": "ERP_Credit_Limit__c"},
            ), 200)  # fmt: skip
            return Decimal(str(record["ERP_Credit_Limit__c"] or 0)) == raised

        took = self._until(arrived, what=f"the credit limit {raised:,.2f} in Salesforce")
        return f"credit limit of {PARTNER_CUSTOMER} {current:,.2f} -> {raised:,.2f} EUR, in Salesforce after {took}"  # noqa: E501

    def product_sync(self) -> str:
        started = expect(self.operator.post("/syncs/products"), 202, 200)
        sync_id = started["id"]
        seen: list[str] = []

        def finished() -> bool:
            sync = expect(self.operator.get(f"/syncs/{sync_id}"), 200)
            progress = f"{sync['processed']}/{sync['total'] or '?'}"
            if not seen or seen[-1] != progress:
                seen.append(progress)
            if sync["status"] == "failed":
                raise StepFailed(f"the sync failed: {sync.get('error')}")
            self._last_sync = sync
            return bool(sync["status"] == "completed")

        took = self._until(finished, what="the product sync to finish")
        sync = self._last_sync
        if sync["failed"]:
            raise StepFailed(f"{sync['failed']} products failed: {sync['failures'][:3]}")
        return (f"{sync['succeeded']} products to Salesforce in {sync['crmBatches']} Bulk API "
                f"job(s), progress {' -> '.join(seen)}, done after {took}")  # fmt: skip

    # Lookups and waiting.

    def _soql(self, soql: str) -> list[dict[str, Any]]:
        response = self.org.get(f"{SALESFORCE_DATA}/query", params={"q": soql})
        records: list[dict[str, Any]] = expect(response, 200)["records"]
        return records

    def _account_id(self, account_number: str) -> str:
        [row] = self._soql(f"SELECT Id FROM Account WHERE AccountNumber = '{account_number}'")
        account_id: str = row["Id"]
        return account_id

    @staticmethod
    def _erp(call: Callable[..., T], *args: Any) -> T:
        """A call at the ERP user's desk; StepFailed when the ERP does not answer as it should."""
        try:
            return call(*args)
        except DeskFailed as failure:
            raise StepFailed(str(failure)) from failure

    def _until(self, check: Callable[[], bool], *, what: str) -> str:
        """Poll `check` until it holds; how long that took, or StepFailed after the wait."""
        started = time.monotonic()
        while time.monotonic() - started < self.targets.wait_seconds:
            if check():
                return f"{time.monotonic() - started:.1f} s"
            time.sleep(POLL_SECONDS)
        raise StepFailed(f"{what}: not within {self.targets.wait_seconds:.0f} s")
