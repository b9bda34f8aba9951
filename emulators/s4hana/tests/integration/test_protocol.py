"""OData v2 protocol behaviour: logon, CSRF, sap-client, envelopes, paging, errors, tunnelling."""

from __future__ import annotations

import base64

import httpx
import pytest

from ..support import BP, PASSWORD, PRODUCT, SO, Sap, make_settings, order_body, sap_error

pytestmark = pytest.mark.asyncio


class TestLogon:
    async def test_missing_credentials_get_an_html_401(self, anonymous: httpx.AsyncClient) -> None:
        response = await anonymous.get(f"{BP}/A_BusinessPartner")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["www-authenticate"].startswith('Basic realm="SAP NetWeaver')

    async def test_wrong_password_is_refused(self, anonymous: httpx.AsyncClient) -> None:
        response = await anonymous.get(f"{BP}/", auth=("TRIVIUM_COMM_USER", "wrong"))
        assert response.status_code == 401

    async def test_oauth_client_credentials_give_a_bearer_token(
        self, anonymous: httpx.AsyncClient
    ) -> None:
        basic = base64.b64encode(b"TRIVIUM_OAUTH_CLIENT:Trivium-Demo-Pass1").decode()
        token = await anonymous.post(
            "/sap/bc/sec/oauth2/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        assert token.status_code == 200, token.text
        assert token.json()["token_type"] == "Bearer"
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        response = await anonymous.get(
            f"{PRODUCT}/A_Product('MAT-0001')?$format=json", headers=bearer
        )
        assert response.status_code == 200
        refused = await anonymous.get(f"{PRODUCT}/", headers={"Authorization": "Bearer forged"})
        assert refused.status_code == 401

    @pytest.mark.parametrize(
        ("grant_type", "secret", "status", "error"),
        [
            pytest.param("client_credentials", "nope", 401, "invalid_client", id="wrong-secret"),
            pytest.param("password", PASSWORD, 400, "unsupported_grant_type", id="other-grant"),
        ],
    )
    async def test_oauth_refuses_a_wrong_secret_and_other_grants(
        self, anonymous: httpx.AsyncClient, grant_type: str, secret: str, status: int, error: str
    ) -> None:
        response = await anonymous.post(
            "/sap/bc/sec/oauth2/token",
            data={"grant_type": grant_type, "client_id": "TRIVIUM_OAUTH_CLIENT",
                  "client_secret": secret},
        )  # fmt: skip
        assert response.status_code == status
        assert response.json()["error"] == error


class TestSapClient:
    async def test_configured_client_is_accepted_from_query_or_header(self, sap: Sap) -> None:
        assert (await sap.get(f"{BP}/A_BusinessPartner?sap-client=100&$top=1")).status_code == 200
        assert (await sap.get(f"{BP}/", headers={"sap-client": "100"})).status_code == 200

    async def test_another_client_is_refused(self, sap: Sap) -> None:
        assert (await sap.get(f"{BP}/?sap-client=200")).status_code == 401


class TestCsrf:
    async def test_fetch_returns_a_token_and_session_cookies(self, app: object) -> None:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://s4.test") as client:
            response = await client.get(
                f"{BP}/",
                headers={"x-csrf-token": "Fetch"},
                auth=("TRIVIUM_COMM_USER", "Trivium-Demo-Pass1"),
            )
            assert response.status_code == 200
            assert response.headers["x-csrf-token"]
            cookies = response.headers.get_list("set-cookie")
            assert any(c.startswith("SAP_SESSIONID_S4H_100=") for c in cookies)
            assert any(c.startswith("sap-usercontext=sap-client=100") for c in cookies)
            # The session cookie alone logs on, as with SAP.
            assert (await client.get(f"{BP}/A_BusinessPartner?$top=1")).status_code == 200

    async def test_write_without_token_is_403_required(self, sap: Sap) -> None:
        del sap.headers["x-csrf-token"]
        response = await sap.post(f"{SO}/A_SalesOrder", json=order_body())
        assert response.status_code == 403
        assert response.headers["x-csrf-token"] == "Required"
        assert response.text == "CSRF token validation failed"

    async def test_token_without_its_session_cookie_is_refused(self, sap: Sap) -> None:
        sap.cookies.clear()
        response = await sap.post(f"{SO}/A_SalesOrder", json=order_body())
        assert response.status_code == 403
        assert response.headers["x-csrf-token"] == "Required"

    async def test_same_token_for_every_fetch_in_a_session(self, sap: Sap) -> None:
        first = sap.headers["x-csrf-token"]
        assert await sap.fetch_token(SO) == first


class TestEnvelopes:
    async def test_entity_has_metadata_deferred_links_and_typed_values(self, sap: Sap) -> None:
        response = await sap.get(f"{SO}/A_SalesOrder('1')")
        assert response.status_code == 200
        order = response.json()["d"]
        uri = "http://s4.test/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder('1')"
        assert order["__metadata"]["uri"] == uri
        assert order["__metadata"]["type"] == "API_SALES_ORDER_SRV.A_SalesOrderType"
        assert order["__metadata"]["etag"] == response.headers["etag"]
        assert order["to_Item"] == {"__deferred": {"uri": f"{uri}/to_Item"}}
        assert order["SalesOrderDate"].startswith("/Date(")
        assert order["LastChangeDateTime"].endswith("+0000)/")
        assert order["TotalNetAmount"].count(".") == 1
        assert isinstance(order["CompleteDeliveryIsDefined"], bool)
        assert response.headers["dataserviceversion"] == "2.0"

    async def test_service_document_in_json_or_atompub(self, sap: Sap) -> None:
        json_doc = (await sap.get(f"{SO}/")).json()
        assert "A_SalesOrder" in json_doc["d"]["EntitySets"]
        xml_doc = await sap.get(f"{SO}/", headers={"accept": "application/xml"})
        assert xml_doc.headers["content-type"].startswith("application/xml")
        assert b'<app:collection href="A_SalesOrder">' in xml_doc.content

    async def test_select_and_multi_level_expand(self, sap: Sap) -> None:
        response = await sap.get(
            f"{BP}/A_BusinessPartner('1000002')?$select=BusinessPartner,to_Customer/to_CustomerSalesArea/Currency"
            "&$expand=to_Customer/to_CustomerSalesArea"
        )
        partner = response.json()["d"]
        assert set(partner) == {"__metadata", "BusinessPartner", "to_Customer"}
        areas = partner["to_Customer"]["to_CustomerSalesArea"]["results"]
        assert [set(area) for area in areas] == [{"__metadata", "Currency"}]

    async def test_navigation_collection_and_property(self, sap: Sap) -> None:
        items = (await sap.get(f"{SO}/A_SalesOrder('1')/to_Item")).json()["d"]["results"]
        assert [item["SalesOrderItem"] for item in items] == ["10", "20"]
        value = await sap.get(f"{SO}/A_SalesOrder('1')/SoldToParty")
        assert value.json() == {"d": {"SoldToParty": "1000001"}}
        raw = await sap.get(f"{SO}/A_SalesOrder('1')/SoldToParty/$value")
        assert raw.text == "1000001"

    async def test_percent_encoded_keys_as_pyodata_sends_them(self, sap: Sap) -> None:
        response = await sap.get(
            f"{SO}/A_SalesOrderItem%28SalesOrder%3D%271%27%2CSalesOrderItem%3D%2710%27%29"
            "?%24select=Material"
        )
        assert response.json()["d"]["Material"] == "MAT-0001"


class TestPaging:
    async def test_inlinecount_top_skip(self, sap: Sap) -> None:
        response = await sap.get(
            f"{PRODUCT}/A_Product?$inlinecount=allpages&$top=5&$skip=10&$select=Product"
        )
        body = response.json()["d"]
        assert body["__count"] == "40"
        assert [p["Product"] for p in body["results"]] == [f"MAT-{n:04d}" for n in range(11, 16)]
        assert "__next" not in body

    @pytest.mark.parametrize("settings", [make_settings(max_top=12)])
    async def test_next_link_pages_through_a_large_top(self, sap: Sap) -> None:
        url = (
            f"{BP}/A_BusinessPartner?$select=BusinessPartner&$top=30"
            "&$filter=BusinessPartnerCategory eq '2'"
        )
        seen: list[str] = []
        pages = 0
        while url:
            body = (await sap.get(url)).json()["d"]
            seen += [row["BusinessPartner"] for row in body["results"]]
            url = body.get("__next", "").replace("http://s4.test", "")
            pages += 1
        assert pages == 3
        assert seen == [str(1_000_001 + n) for n in range(30)]

    @pytest.mark.parametrize("settings", [make_settings(page_size=7)])
    async def test_page_size_applies_without_top(self, sap: Sap) -> None:
        body = (await sap.get(f"{PRODUCT}/A_Product?$select=Product&$inlinecount=allpages")).json()
        assert len(body["d"]["results"]) == 7
        assert body["d"]["__count"] == "40"
        assert "$skiptoken=7" in body["d"]["__next"]
        assert body["d"]["__next"].startswith("http://s4.test/sap/opu/odata/sap/API_PRODUCT_SRV/")

    async def test_count_is_plain_text(self, sap: Sap) -> None:
        response = await sap.get(f"{PRODUCT}/A_ProductDescription/$count?$filter=Language eq 'EN'")
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text == "40"


class TestErrors:
    async def test_unknown_set_is_404(self, sap: Sap) -> None:
        error = sap_error(await sap.get(f"{BP}/A_Nothing"), 404, "/IWBEP/CM_MGW_RT/020")
        assert error["innererror"]["application"]["service_id"] == "API_BUSINESS_PARTNER"

    async def test_routing_errors_on_sap_paths_are_in_sap_format(self, sap: Sap) -> None:
        sap_error(await sap.get("/sap/opu/odata/sap"), 404)
        sap_error(await sap.options(f"{BP}/A_BusinessPartner"), 405)

    async def test_bad_filter_is_400(self, sap: Sap) -> None:
        sap_error(await sap.get(f"{BP}/A_BusinessPartner?$filter=Nope eq 'x'"), 400)
        sap_error(await sap.get(f"{BP}/A_BusinessPartner?$filter=BusinessPartner eq"), 400)
        sap_error(await sap.get(f"{BP}/A_BusinessPartner?$top=-1"), 400)

    async def test_error_in_xml_when_asked(self, sap: Sap) -> None:
        response = await sap.get(f"{BP}/A_Nothing", headers={"accept": "application/xml"})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/xml")
        assert "<code>/IWBEP/CM_MGW_RT/020</code>" in response.text

    async def test_post_on_a_non_creatable_set_is_405(self, sap: Sap) -> None:
        response = await sap.post(f"{BP}/A_Customer", json={"Customer": "1"})
        sap_error(response, 405)

    async def test_too_long_value_is_400(self, sap: Sap) -> None:
        body = order_body(PurchaseOrderByCustomer="x" * 36)
        error = sap_error(await sap.post(f"{SO}/A_SalesOrder", json=body), 400)
        assert error["innererror"]["errordetails"][0]["target"] == "PurchaseOrderByCustomer"

    async def test_unknown_property_is_400(self, sap: Sap) -> None:
        sap_error(await sap.post(f"{SO}/A_SalesOrder", json=order_body(Nope="x")), 400)

    async def test_metadata_is_xml(self, sap: Sap) -> None:
        response = await sap.get(f"{SO}/$metadata")
        assert response.headers["content-type"].startswith("application/xml")
        assert b'ConcurrencyMode="Fixed"' in response.content


class TestTunnelling:
    async def test_merge_verb_and_x_http_method(self, sap: Sap) -> None:
        first = await sap.request(
            "MERGE",
            f"{PRODUCT}/A_ProductDescription(Product='MAT-0001',Language='EN')",
            json={"ProductDescription": "Pump A"},
        )
        assert first.status_code == 204
        second = await sap.post(
            f"{PRODUCT}/A_ProductDescription(Product='MAT-0001',Language='EN')",
            json={"ProductDescription": "Pump B"},
            headers={"X-HTTP-Method": "MERGE"},
        )
        assert second.status_code == 204
        stored = await sap.get(f"{PRODUCT}/A_ProductDescription(Product='MAT-0001',Language='EN')")
        assert stored.json()["d"]["ProductDescription"] == "Pump B"

    async def test_put_resets_what_it_does_not_send(self, sap: Sap) -> None:
        path = f"{BP}/A_BusinessPartner('1000004')"
        assert (await sap.put(path, json={"OrganizationBPName1": "Renamed AG"})).status_code == 204
        partner = (await sap.get(path)).json()["d"]
        assert partner["BusinessPartnerFullName"] == "Renamed AG"
        assert partner["SearchTerm1"] == ""
