"""SAP Gateway answers as S/4HANA sends them (shapes from SAP's samples and the OData v2 wire
reference), for unit tests of the adapter."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from trivium_testing import s4hana_services as services

HOST = "https://my300000-api.s4hana.example"
BP = HOST + services.BP
SO = HOST + services.SO
PRODUCT = HOST + services.PRODUCT
PRICES = HOST + services.PRICES
STOCK = HOST + services.STOCK
BILLING = HOST + services.BILLING
CREDIT = HOST + services.CREDIT
SIMULATION = HOST + services.SIMULATION
ORDER_ETAG = "W/\"datetimeoffset'2024-05-01T10%3A00%3A00.1234567Z'\""
NEWER_ORDER_ETAG = "W/\"datetimeoffset'2024-05-02T08%3A30%3A00.7654321Z'\""
CSRF_TOKEN = "u5Yq3bqS0Gm6Jw9dJ2t5xQ=="
SESSION_COOKIE = "SAP_SESSIONID_S4H_100=a1B2c3D4e5F6g7H8i9J0kLmN; path=/"
USERCONTEXT_COOKIE = "sap-usercontext=sap-client=100; path=/"


def metadata(service: str, type_name: str, uri: str, etag: str | None = None) -> dict[str, Any]:
    meta = {"id": uri, "uri": uri, "type": f"{service}.{type_name}"}
    if etag:
        meta["etag"] = etag
    return meta


def deferred(uri: str) -> dict[str, Any]:
    return {"__deferred": {"uri": uri}}


def one(entity: dict[str, Any]) -> dict[str, Any]:
    return {"d": entity}


def many(
    entities: Sequence[dict[str, Any]], *, next_url: str | None = None, count: int | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"results": list(entities)}
    if count is not None:
        body["__count"] = str(count)
    if next_url:
        body["__next"] = next_url
    return {"d": body}


def partner(
    number: str = "17100001",
    *,
    name: str = "Inlandskunde DE 1",
    external_id: str = "001Dn00000ABCDE",
    customer: str | None = None,
    expanded: bool = True,
) -> dict[str, Any]:
    uri = f"{BP}/A_BusinessPartner('{number}')"
    entity: dict[str, Any] = {
        "__metadata": metadata("API_BUSINESS_PARTNER", "A_BusinessPartnerType", uri),
        "BusinessPartner": number,
        "Customer": customer if customer is not None else number,
        "Supplier": "",
        "BusinessPartnerCategory": "2",
        "BusinessPartnerFullName": name,
        "BusinessPartnerGrouping": "BP02",
        "OrganizationBPName1": name,
        "OrganizationBPName2": "",
        "SearchTerm1": name[:20].upper(),
        "CorrespondenceLanguage": "EN",
        "BusinessPartnerIsBlocked": False,
        "BusinessPartnerIDByExtSystem": external_id,
        "CreationDate": "/Date(1714521600000)/",
        "ETag": "20240501100000",
        "to_BusinessPartnerAddress": deferred(f"{uri}/to_BusinessPartnerAddress"),
        "to_Customer": deferred(f"{uri}/to_Customer"),
    }
    if expanded:
        entity["to_BusinessPartnerAddress"] = {"results": [address(number)]}
        entity["to_Customer"] = customer_role(entity["Customer"])
    return entity


def address(number: str, address_id: str = "22548") -> dict[str, Any]:
    uri = f"{BP}/A_BusinessPartnerAddress(BusinessPartner='{number}',AddressID='{address_id}')"
    return {
        "__metadata": metadata("API_BUSINESS_PARTNER", "A_BusinessPartnerAddressType", uri),
        "BusinessPartner": number,
        "AddressID": address_id,
        "ValidityStartDate": "/Date(1714521600000+0000)/",
        "ValidityEndDate": "/Date(253402300799000+0000)/",
        "CityName": "Berlin",
        "Country": "DE",
        "HouseNumber": "1",
        "Language": "EN",
        "PostalCode": "10115",
        "Region": "BE",
        "StreetName": "Hauptstrasse",
    }


def customer_role(number: str) -> dict[str, Any]:
    uri = f"{BP}/A_Customer('{number}')"
    return {
        "__metadata": metadata("API_BUSINESS_PARTNER", "A_CustomerType", uri),
        "Customer": number,
        "CustomerAccountGroup": "CUST",
        "OrderIsBlockedForCustomer": "",
        "to_CustomerSalesArea": {
            "results": [
                {
                    "__metadata": metadata(
                        "API_BUSINESS_PARTNER",
                        "A_CustomerSalesAreaType",
                        f"{BP}/A_CustomerSalesArea(Customer='{number}',SalesOrganization='1010',"
                        "DistributionChannel='10',Division='00')",
                    ),
                    "Customer": number,
                    "SalesOrganization": "1010",
                    "DistributionChannel": "10",
                    "Division": "00",
                    "Currency": "EUR",
                    "CustomerPaymentTerms": "0001",
                    "OrderIsBlockedForCustomer": "",
                }
            ]
        },
    }


def sales_order(
    number: str = "4711",
    *,
    customer: str = "17100001",
    reference: str = "SF-00012345",
    etag: str = ORDER_ETAG,
    delivery: str = "A",
    billing: str = "A",
    rejection: str = "A",
    credit: str = "A",
    items: bool = True,
) -> dict[str, Any]:
    uri = f"{SO}/A_SalesOrder('{number}')"
    entity: dict[str, Any] = {
        "__metadata": metadata("API_SALES_ORDER_SRV", "A_SalesOrderType", uri, etag),
        "SalesOrder": number,
        "SalesOrderType": "OR",
        "SalesOrganization": "1010",
        "DistributionChannel": "10",
        "OrganizationDivision": "00",
        "SoldToParty": customer,
        "PurchaseOrderByCustomer": reference,
        "CreationDate": "/Date(1714521600000)/",
        "LastChangeDateTime": "/Date(1714557600123+0000)/",
        "RequestedDeliveryDate": "/Date(1715126400000)/",
        "TransactionCurrency": "EUR",
        "TotalNetAmount": "52.65",
        "OverallSDProcessStatus": "A" if delivery == "A" else "B",
        "OverallDeliveryStatus": delivery,
        "OverallTotalDeliveryStatus": delivery,
        "OverallOrdReltdBillgStatus": billing,
        "OverallSDDocumentRejectionSts": rejection,
        "TotalCreditCheckStatus": credit,
        "TotalBlockStatus": "",
        "to_Item": deferred(f"{uri}/to_Item"),
        "to_Partner": deferred(f"{uri}/to_Partner"),
    }
    if items:
        entity["to_Item"] = {"results": [order_item(number, "20", "TG12"), order_item(number)]}
    return entity


def order_item(order: str, item: str = "10", material: str = "TG11") -> dict[str, Any]:
    uri = f"{SO}/A_SalesOrderItem(SalesOrder='{order}',SalesOrderItem='{item}')"
    return {
        "__metadata": metadata("API_SALES_ORDER_SRV", "A_SalesOrderItemType", uri),
        "SalesOrder": order,
        "SalesOrderItem": item,
        "HigherLevelItem": "0",
        "Material": material,
        "SalesOrderItemText": f"Trading good {material}",
        "RequestedQuantity": "3",
        "RequestedQuantityUnit": "PC",
        "ConfdDelivQtyInOrderQtyUnit": "3.000",
        "TransactionCurrency": "EUR",
        "NetAmount": "26.325",
    }


def product(sku: str, name: str, *, deleted: bool = False) -> dict[str, Any]:
    uri = f"{PRODUCT}/A_Product('{sku}')"
    return {
        "__metadata": metadata("API_PRODUCT_SRV", "A_ProductType", uri),
        "Product": sku,
        "ProductType": "HAWA",
        "ProductGroup": "L001",
        "BaseUnit": "PC",
        "IsMarkedForDeletion": deleted,
        "to_Description": {
            "results": [
                {"Product": sku, "Language": "DE", "ProductDescription": f"{name} (DE)"},
                {"Product": sku, "Language": "EN", "ProductDescription": name},
            ]
        },
    }


def price_validity(
    sku: str, rate: str, *, customer: str = "", per: str = "1", record: str = "0000012345"
) -> dict[str, Any]:
    return {
        "ConditionRecord": record,
        "ConditionValidityEndDate": "/Date(253402214400000)/",
        "ConditionValidityStartDate": "/Date(1704067200000)/",
        "ConditionType": "PPR0",
        "SalesOrganization": "1010",
        "DistributionChannel": "10",
        "Material": sku,
        "Customer": customer,
        "to_SlsPrcgConditionRecord": {
            "ConditionRecord": record,
            "ConditionType": "PPR0",
            "ConditionRateValue": rate,
            "ConditionRateValueUnit": "EUR",
            "ConditionQuantity": per,
            "ConditionQuantityUnit": "PC",
            "ConditionIsDeleted": False,
        },
    }


def stock_row(sku: str, quantity: str, *, location: str = "101A") -> dict[str, Any]:
    return {
        "Material": sku,
        "Plant": "1010",
        "StorageLocation": location,
        "MatlWrhsStkQtyInMatlBaseUnit": quantity,
        "MaterialBaseUnit": "PC",
    }


def credit_account(
    number: str = "17100001", *, limit: str = "100000.00", blocked: bool = False
) -> dict[str, Any]:
    return {
        "BusinessPartner": number,
        "CreditSegment": "1000",
        "CreditLimitAmount": limit,
        "CreditSegmentCurrency": "EUR",
        "CreditAccountIsBlocked": blocked,
    }


def billing_document(
    number: str, *, customer: str = "17100001", gross: str = "119.00", clearing: str = "A"
) -> dict[str, Any]:
    uri = f"{BILLING}/A_BillingDocument('{number}')"
    return {
        "__metadata": metadata(
            "API_BILLING_DOCUMENT_SRV",
            "A_BillingDocumentType",
            uri,
            "W/\"datetimeoffset'2024-05-03T09%3A00%3A00.0000000Z'\"",
        ),
        "BillingDocument": number,
        "SDDocumentCategory": "M",
        "BillingDocumentType": "F2",
        "BillingDocumentDate": "/Date(1714694400000)/",
        "BillingDocumentIsCancelled": False,
        "SoldToParty": customer,
        "PayerParty": customer,
        "PurchaseOrderByCustomer": "SF-00012345",
        "TotalNetAmount": "100.00",
        "TaxAmount": "19.00",
        "TotalGrossAmount": gross,
        "TransactionCurrency": "EUR",
        "InvoiceClearingStatus": clearing,
        "AccountingPostingStatus": "C",
        "to_Item": {"results": [{"BillingDocument": number, "SalesDocument": "4711"}]},
    }


def simulation_element(
    item: str, condition: str, rate: str, *, step: str = "10", inactive: str = ""
) -> dict[str, Any]:
    """A pricing element of a simulated item, as API_SALES_ORDER_SIMULATION_SRV answers it."""
    key = f"SalesOrder='',SalesOrderItem='{item}',PricingProcedureStep='{step}',PricingProcedureCounter='1'"
    uri = f"{SIMULATION}/A_SalesOrderItmPrcgElmntSimln({key})"
    return {
        "__metadata": metadata(
            "API_SALES_ORDER_SIMULATION_SRV", "A_SalesOrderItmPrcgElmntSimlnType", uri
        ),
        "SalesOrder": "",
        "SalesOrderItem": item,
        "PricingProcedureStep": step,
        "PricingProcedureCounter": "1",
        "ConditionType": condition,
        "ConditionRateValue": rate,
        "ConditionCurrency": "EUR",
        "ConditionQuantity": "1",
        "ConditionQuantityUnit": "PC",
        "ConditionAmount": "0.00",
        "TransactionCurrency": "EUR",
        "ConditionInactiveReason": inactive,
        "ConditionIsManuallyChanged": condition != "PPR0",
    }


def simulation(
    customer: str, items: Sequence[tuple[str, str, list[dict[str, Any]]]], *, credit: str = "A"
) -> dict[str, Any]:
    """An A_SalesOrderSimulation answer: items (item, material, pricing elements) and the credit
    status."""
    root = f"{SIMULATION}/A_SalesOrderSimulation('')"
    service = "API_SALES_ORDER_SIMULATION_SRV"
    return {
        "__metadata": metadata(service, "A_SalesOrderSimulationType", root),
        "SalesOrder": "",
        "SalesOrderType": "OR",
        "SalesOrganization": "1710",
        "DistributionChannel": "10",
        "OrganizationDivision": "00",
        "SoldToParty": customer,
        "TransactionCurrency": "EUR",
        "TotalNetAmount": "0.00",
        "to_Item": {
            "results": [
                {
                    "__metadata": metadata(
                        service,
                        "A_SalesOrderItemSimulationType",
                        f"{SIMULATION}/A_SalesOrderItemSimulation(SalesOrder='',SalesOrderItem='{item}')",
                    ),
                    "SalesOrder": "",
                    "SalesOrderItem": item,
                    "Material": material,
                    "RequestedQuantity": "1",
                    "RequestedQuantityUnit": "PC",
                    "NetAmount": "0.00",
                    "TransactionCurrency": "EUR",
                    "to_PricingElement": {"results": elements},
                    "to_ScheduleLine": deferred(f"{root}/to_ScheduleLine"),
                }
                for item, material, elements in items
            ]
        },
        "to_Pricing": deferred(f"{root}/to_Pricing"),
        "to_Credit": {
            "__metadata": metadata(
                service,
                "A_SalesOrderCreditSimulationType",
                f"{SIMULATION}/A_SalesOrderCreditSimulation('')",
            ),
            "SalesOrder": "",
            "TotalCreditCheckStatus": credit,
        },
    }


def sap_error(
    code: str, message: str, *, target: str = "", service: str = "API_BUSINESS_PARTNER"
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": {"lang": "en", "value": message},
            "innererror": {
                "application": {
                    "component_id": "LO-MD-BP",
                    "service_namespace": "/SAP/",
                    "service_id": service,
                    "service_version": "0001",
                },
                "transactionid": "6A3F1C2B9D8E4F00A1B2C3D4E5F60718",
                "timestamp": "20240501100000.1234567",
                "Error_Resolution": {
                    "SAP_Transaction": "Run transaction /IWFND/ERROR_LOG on SAP Gateway hub",
                    "SAP_Note": "See SAP Note 1797736 for error analysis",
                },
                "errordetails": [
                    {
                        "code": code,
                        "message": message,
                        "propertyref": target,
                        "severity": "error",
                        "target": "",
                        "transition": False,
                    }
                ],
            },
        }
    }


CURRENCY_REQUIRED = sap_error(
    "CVI_API/003", "Currency (KNVV-WAERS) is a required entry field", target="Currency"
)
NOT_FOUND = sap_error("/IWBEP/CM_MGW_RT/020", "Resource not found for segment 'A_SalesOrder'")
CSRF_FAILED = b"CSRF token validation failed"


def batch_answer(parts: Sequence[tuple[int, Any]], *, boundary: str = "batchresp_5F3A") -> bytes:
    """A `$batch` answer as Gateway writes it: CRLF lines, inner Content-Length exact."""
    reasons = {200: "OK", 404: "Not Found", 400: "Bad Request", 500: "Internal Server Error"}
    chunks: list[str] = []
    for status, body in parts:
        text = json.dumps(body)
        chunks += [
            f"--{boundary}",
            "Content-Type: application/http",
            "Content-Length: 999",
            "content-transfer-encoding: binary",
            "",
            f"HTTP/1.1 {status} {reasons.get(status, 'Status')}",
            "Content-Type: application/json",
            f"Content-Length: {len(text.encode())}",
            "dataserviceversion: 2.0",
            "",
            text,
        ]
    chunks.append(f"--{boundary}--")
    return ("\r\n".join(chunks) + "\r\n").encode()
