"""SAP Gateway's error envelope: `{"error": {code, message, innererror.errordetails}}`.

Business messages use the T100 codes SAP systems are known to send (CVI_API/003,
FSBP_ECC/030, ...). Protocol errors use Gateway's runtime message class /IWBEP/CM_MGW_RT; where
the exact number could not be checked against a real system it is this emulator's choice,
listed in `PROTOCOL_CODES`, so clients should key on the HTTP status, as SAP advises.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

PROTOCOL_CODES = {
    "not_found": "/IWBEP/CM_MGW_RT/020",
    "not_implemented": "/IWBEP/CM_MGW_RT/021",
    "bad_request": "/IWBEP/CM_MGW_RT/004",
    "invalid_property": "/IWBEP/CM_MGW_RT/017",
    "invalid_value": "/IWBEP/CM_MGW_RT/022",
    "syntax": "/IWBEP/CM_MGW_RT/002",
    "duplicate": "/IWBEP/CM_MGW_RT/025",
    "precondition_failed": "/IWBEP/CM_MGW_RT/019",
    "precondition_required": "SADL_ENTITY_RUNTIME/004",
    "unsupported_media": "/IWBEP/CM_MGW_RT/058",
    "unavailable": "/IWFND/CM_BEC/026",
}


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of `innererror.errordetails`."""

    code: str
    message: str
    propertyref: str = ""
    severity: str = "error"
    target: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "propertyref": self.propertyref,
            "severity": self.severity,
            "target": self.target,
            "transition": False,
        }


@dataclass
class ODataError(Exception):
    """An error answered in SAP's OData error format."""

    status: int
    code: str
    message: str
    details: tuple[ErrorDetail, ...] = ()
    target: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def all_details(self) -> list[ErrorDetail]:
        return list(self.details) or [
            ErrorDetail(self.code, self.message, propertyref=self.target, target=self.target)
        ]


def business_error(code: str, message: str, *, target: str = "", status: int = 400) -> ODataError:
    """A validation or business-rule failure (400 unless told otherwise)."""
    return ODataError(status, code, message, target=target)


def not_found(segment: str) -> ODataError:
    return ODataError(
        404, PROTOCOL_CODES["not_found"], f"Resource not found for segment '{segment}'"
    )


def bad_request(message: str, *, kind: str = "bad_request", target: str = "") -> ODataError:
    return ODataError(400, PROTOCOL_CODES[kind], message, target=target)


def not_implemented(method: str, entity_set: str) -> ODataError:
    """405: the set does not offer this operation (e.g. POST on A_Customer)."""
    operation = {"POST": "CREATE_ENTITY", "DELETE": "DELETE_ENTITY"}.get(method, "UPDATE_ENTITY")
    return ODataError(
        405,
        PROTOCOL_CODES["not_implemented"],
        f"Method '{entity_set.upper()}_{operation}' not implemented in data provider class",
    )


def invalid_value(prop: str, problem: str) -> ODataError:
    return bad_request(
        f"Property '{prop}' has an invalid value: {problem}", kind="invalid_value", target=prop
    )


@dataclass(frozen=True)
class ErrorContext:
    """Where an error happened: the service and its SAP application component."""

    service: str = ""
    component: str = ""
    version: str = "0001"


def error_document(error: ODataError, context: ErrorContext) -> dict[str, Any]:
    """The JSON error body."""
    now = datetime.now(UTC)
    return {
        "error": {
            "code": error.code,
            "message": {"lang": "en", "value": error.message},
            "innererror": {
                "application": {
                    "component_id": context.component,
                    "service_namespace": "/SAP/",
                    "service_id": context.service,
                    "service_version": context.version,
                },
                "transactionid": secrets.token_hex(16).upper(),
                "timestamp": now.strftime("%Y%m%d%H%M%S.") + f"{now.microsecond:06d}0",
                "Error_Resolution": {
                    "SAP_Transaction": "For backend administrators: use ADT feed reader "
                    '"SAP Gateway Error Log" or run transaction /IWFND/ERROR_LOG on SAP '
                    "Gateway hub system and search for entries with the timestamp above for "
                    "more details",
                    "SAP_Note": "See SAP Note 1797736 for error analysis "
                    "(https://service.sap.com/sap/support/notes/1797736)",
                },
                "errordetails": [detail.to_json() for detail in error.all_details()],
            },
        }
    }


def render_error(error: ODataError, context: ErrorContext, *, xml: bool) -> tuple[bytes, str]:
    """The error body and its content type: JSON, or XML when the client asked for XML."""
    document = error_document(error, context)
    if not xml:
        payload = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
        return payload.encode(), "application/json;charset=utf-8"
    inner = document["error"]["innererror"]
    details = "".join(
        f"<errordetail><code>{escape(d.code)}</code><message>{escape(d.message)}</message>"
        f"<propertyref>{escape(d.propertyref)}</propertyref><severity>{d.severity}</severity>"
        f"<target>{escape(d.target)}</target></errordetail>"
        for d in error.all_details()
    )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<error xmlns="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
        f"<code>{escape(error.code)}</code>"
        f'<message xml:lang="en">{escape(error.message)}</message>'
        f"<innererror><transactionid>{inner['transactionid']}</transactionid>"
        f"<timestamp>{inner['timestamp']}</timestamp>"
        f"<errordetails>{details}</errordetails></innererror></error>"
    )
    return body.encode(), "application/xml;charset=utf-8"


def wants_xml(accept: str | None, format_option: str | None) -> bool:
    """Whether the client asked for XML rather than JSON (`$format` wins over Accept)."""
    if format_option:
        return format_option.lower() in ("xml", "atom")
    accept = (accept or "").lower()
    return "json" not in accept and ("xml" in accept)
