"""CSRF expiry, chaos-driven 503s, outages and OAuth logon against the running emulator."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from trivium.keys import self_signed_certificate_pem
from trivium_testing.services import RunningService
from trivium_testing.stack import ERP_EMULATORS

from .conftest import Stack, erp_env, exposure_row, sap_calls, sap_rows, service_client

pytestmark = pytest.mark.asyncio

ADDRESS = {"street": "Am Sandtorkai 1", "city": "Hamburg", "postalCode": "20457", "country": "DE"}


def customer_body() -> dict[str, object]:
    return {"name": "Csrf Probe GmbH", "externalId": secrets.token_hex(8), "address": ADDRESS}


def run_erp_system(
    run_service: Callable[..., RunningService],
    name: str,
    emulator_url: str,
    redis_url: str,
    **env: str,
) -> RunningService:
    """The ERP System API as a process of its own, `name`, against the emulator at `emulator_url`
    with the settings `env`."""
    return run_service(
        "erp_system.main:create_app", name=name, env=erp_env(emulator_url, redis_url, **env)
    )


async def order_for_customer_1000003(erp: httpx.AsyncClient, reference: str) -> httpx.Response:
    """The customer 1000003 read, then one MAT-0006 ordered for it under a new reference that
    starts with `reference`."""
    assert (await erp.get("/customers/1000003")).status_code == 200
    body = {
        "customerId": "1000003",
        "externalReference": f"{reference}-{secrets.token_hex(4).upper()}",
        "lines": [{"sku": "MAT-0006", "quantity": "1"}],
    }
    return await erp.post("/sales-orders", json=body)


async def wait_until_ok(erp: httpx.AsyncClient, path: str, *, seconds: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while (await erp.get(path)).status_code != 200:
        assert asyncio.get_running_loop().time() < deadline, f"{path} did not recover"
        await asyncio.sleep(0.1)


@pytest.mark.erp_backends("s4hana")
class TestCsrfExpiry:
    async def test_expired_token_is_fetched_again_and_the_write_done_once(
        self, erp: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        assert (await erp.post("/customers", json=customer_body())).status_code == 201
        expired = (await admin.post("/csrf/expire")).json()
        assert expired["expiredSessions"] >= 1
        refused_before = await sap_calls(erp, method="POST", outcome="403")
        created_before = await sap_calls(erp, method="POST", outcome="201")
        response = await erp.post("/customers", json=customer_body())
        assert response.status_code == 201
        assert await sap_calls(erp, method="POST", outcome="403") == refused_before + 1
        assert await sap_calls(erp, method="POST", outcome="201") == created_before + 1


@pytest.mark.chaos
class TestChaos:
    async def test_sap_errors_become_503_and_the_service_recovers(
        self, erp: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        await wait_until_ok(erp, "/customers/1000001")
        (await admin.put("/chaos", json={"errorRate": 1.0})).raise_for_status()
        response = await erp.get("/customers/1000001")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/erp-unavailable")
        assert int(response.headers["retry-after"]) >= 1
        (await admin.delete("/chaos")).raise_for_status()
        await wait_until_ok(erp, "/customers/1000001")

    async def test_order_refused_during_errors_is_created_once_afterwards(
        self, erp: httpx.AsyncClient, admin: httpx.AsyncClient, sap: httpx.AsyncClient
    ) -> None:
        await wait_until_ok(erp, "/customers/1000002")
        ref = f"SF-CHAOS-{secrets.token_hex(4).upper()}"
        body = {
            "customerId": "1000002",
            "externalReference": ref,
            "lines": [{"sku": "MAT-0004", "quantity": "1"}],
        }
        (await admin.put("/chaos", json={"errorRate": 1.0})).raise_for_status()
        assert (await erp.post("/sales-orders", json=body)).status_code == 503
        (await admin.delete("/chaos")).raise_for_status()
        await wait_until_ok(erp, "/customers/1000002")
        assert (await erp.post("/sales-orders", json=body)).status_code == 201
        assert (await erp.post("/sales-orders", json=body)).status_code == 200
        rows = await sap_rows(
            sap,
            "API_SALES_ORDER_SRV/A_SalesOrder",
            **{"$filter": f"PurchaseOrderByCustomer eq '{ref}'"},
        )
        assert len(rows) == 1

    async def test_outage_answers_503_with_the_systems_retry_after(
        self,
        stack: Stack,
        admin: httpx.AsyncClient,
        run_service: Callable[..., RunningService],
    ) -> None:
        service = run_erp_system(
            run_service,
            "erp-system-no-retries",
            stack.emulator.url,
            stack.redis_url,
            backend=stack.backend,
            TRIVIUM_HTTP_MAX_RETRIES="0",
        )
        async with service_client(service.url) as erp:
            (await admin.put("/chaos", json={"outage": True})).raise_for_status()
            response = await erp.get("/products/MAT-0001")
            assert response.status_code == 503
            assert response.headers["retry-after"] == "30"
            (await admin.delete("/chaos")).raise_for_status()
            await wait_until_ok(erp, "/products/MAT-0001")


class TestOAuthLogon:
    async def test_reads_and_writes_with_client_credentials_and_backend_exposure(
        self, stack: Stack, sap: httpx.AsyncClient, run_service: Callable[..., RunningService]
    ) -> None:
        service = run_erp_system(
            run_service,
            "erp-system-oauth",
            stack.emulator.url,
            stack.redis_url,
            ERP_SYSTEM_AUTH_METHOD="oauth_client_credentials",
            ERP_SYSTEM_USERNAME="nobody",
            ERP_SYSTEM_PASSWORD="wrong",
            ERP_SYSTEM_CREDIT_EXPOSURE_SERVICE="YY1_CREDITEXPOSURE_CDS",
            ERP_SYSTEM_CREDIT_EXPOSURE_ENTITY_SET="YY1_CreditExposure",
        )
        async with service_client(service.url) as erp:
            assert (await order_for_customer_1000003(erp, "SF-OAUTH")).status_code == 201
            credit = (await erp.get("/customers/1000003/credit")).json()
        view = await exposure_row(sap, "1000003")
        assert credit["exposureSource"] == "backend"
        assert Decimal(credit["exposure"]) == Decimal(view["CustomerCreditExposureAmount"])
        assert credit["openOrders"] is None


@pytest.mark.erp_backends("netsuite")
class TestNetSuiteClientCredentials:
    async def test_reads_and_writes_with_a_mapped_certificate(
        self, stack: Stack, tmp_path: Path, run_service: Callable[..., RunningService]
    ) -> None:
        # The integration's certificate mapping: an EC P-256 key (ES256) and its certificate.
        key = ec.generate_private_key(ec.SECP256R1())
        key_file, certificate_file = tmp_path / "m2m.key", tmp_path / "m2m.crt"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        certificate_file.write_bytes(
            self_signed_certificate_pem(key, common_name="m2m", valid_days=2)
        )
        mapping = {"CLIENT_ID": "c1" * 32, "CERTIFICATE_ID": "m2m-certificate-1"}
        netsuite = ERP_EMULATORS["netsuite"]
        emulator = run_service(
            str(netsuite["app_factory"]),
            name="netsuite-emulator-m2m",
            env={
                **dict(netsuite["env"]),
                "NS_EMULATOR_OAUTH2_CLIENT_ID": mapping["CLIENT_ID"],
                "NS_EMULATOR_OAUTH2_CERTIFICATE_ID": mapping["CERTIFICATE_ID"],
                "NS_EMULATOR_OAUTH2_CERTIFICATE_PATH": str(certificate_file),
            },
        )
        service = run_erp_system(
            run_service,
            "erp-system-m2m",
            emulator.url,
            stack.redis_url,
            backend="netsuite",
            NETSUITE_AUTH_METHOD="oauth_client_credentials",
            NETSUITE_CONSUMER_SECRET="not-used",
            NETSUITE_CLIENT_ID=mapping["CLIENT_ID"],
            NETSUITE_CERTIFICATE_ID=mapping["CERTIFICATE_ID"],
            NETSUITE_PRIVATE_KEY_PATH=str(key_file),
        )
        async with service_client(service.url) as erp:
            created = await order_for_customer_1000003(erp, "SF-M2M")
        assert created.status_code == 201, created.text
        assert created.json()["lines"][0]["sku"] == "MAT-0006"
