"""Sign-in: the OAuth 2.0 token endpoint, the SOAP partner login, identity and revocation."""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeElementTree
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from salesforce_emulator.api.deps import EmulatorDep
from salesforce_emulator.api.versions import identity_url, instance_url
from salesforce_emulator.domain.auth import (
    JWT_BEARER_GRANT,
    OAuthError,
    check_client,
    check_jwt_assertion,
    check_password,
    token_signature,
)
from salesforce_emulator.domain.basics import OrgUser, active_user
from salesforce_emulator.domain.errors import invalid_session
from salesforce_emulator.emulator import Emulator

router = APIRouter(tags=["auth"])
SOAP_XML = "text/xml; charset=utf-8"


def _basic_credentials(request: Request) -> tuple[str | None, str | None]:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return client_id, secret


def _user_for_grant(emulator: Emulator, request: Request, form: dict[str, str]) -> OrgUser:
    app = emulator.connected_app
    grant = form.get("grant_type")
    if not grant:
        raise OAuthError("invalid_request", "grant type is missing")
    if grant == "client_credentials":
        basic_id, basic_secret = _basic_credentials(request)
        check_client(app, form.get("client_id", basic_id), form.get("client_secret", basic_secret))
        return app.user
    if grant == "password":
        check_client(app, form.get("client_id"), form.get("client_secret"))
        return check_password(app, form.get("username"), form.get("password"))
    if grant == JWT_BEARER_GRANT:
        own_url = str(request.base_url)
        return check_jwt_assertion(
            app,
            form.get("assertion"),
            now=time.time(),
            own_url=own_url,
            find_user=lambda username: active_user(emulator.org, username),
        )
    raise OAuthError("unsupported_grant_type", "grant type not supported")


@router.post("/services/oauth2/token")
async def token(emulator: EmulatorDep, request: Request) -> JSONResponse:
    """Issue an access token (client credentials, username-password or JWT bearer)."""
    form = {key: str(value) for key, value in (await request.form()).items()}
    user = _user_for_grant(emulator, request, form)
    session = emulator.sessions.issue(user)
    issued_at = str(int(session.issued_at * 1000))
    identity = identity_url(emulator, request, session.user)
    body: dict[str, Any] = {
        "access_token": session.token,
        "signature": token_signature(emulator.connected_app, identity, issued_at),
        "scope": "api",
        "instance_url": instance_url(emulator, request),
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-cache,must-revalidate,max-age=0"})


@router.post("/services/oauth2/revoke")
async def revoke(emulator: EmulatorDep, request: Request) -> Response:
    """Revoke an access token."""
    form = await request.form()
    given = str(form.get("token") or request.query_params.get("token") or "")
    if not emulator.sessions.revoke(given):
        raise OAuthError("unsupported_token_type", "this token type is not supported")
    return Response(status_code=200)


@router.get("/id/{org_id}/{user_id}")
async def identity(
    emulator: EmulatorDep, request: Request, org_id: str, user_id: str
) -> JSONResponse:
    """The identity of the signed-in user."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    session = (
        emulator.sessions.lookup(given.strip()) if scheme.lower() in ("bearer", "oauth") else None
    )
    if session is None or user_id != session.user.id or org_id != emulator.org.org_id:
        raise invalid_session()
    user = session.user
    base = instance_url(emulator, request)
    return JSONResponse(
        {
            "id": identity_url(emulator, request, user),
            "asserted_user": True,
            "user_id": user.id,
            "organization_id": emulator.org.org_id,
            "username": user.username,
            "nick_name": user.username.split("@")[0],
            "display_name": f"{user.first_name} {user.last_name}".strip(),
            "email": user.email,
            "active": True,
            "user_type": "STANDARD",
            "language": "en_US",
            "locale": "en_US",
            "utcOffset": 0,
            "urls": {
                "rest": f"{base}/services/data/v{{version}}/",
                "sobjects": f"{base}/services/data/v{{version}}/sobjects/",
                "query": f"{base}/services/data/v{{version}}/query/",
                "limits": f"{base}/services/data/v{{version}}/limits/",
                "partner": f"{base}/services/Soap/u/{{version}}/{emulator.org.org_id[:15]}",
            },
        }
    )


def _local_text(root: Any, name: str) -> str | None:
    for element in root.iter():
        if str(element.tag).rsplit("}", 1)[-1] == name:
            return str(element.text or "")
    return None


def _soap_fault(code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>sf:{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring>"
        '<detail><sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, status_code=500, media_type=SOAP_XML)


@router.post("/services/Soap/u/{version}")
async def soap_login(emulator: EmulatorDep, request: Request, version: str) -> Response:
    """The partner API `login` call simple-salesforce makes for username + password + token."""
    try:
        root = SafeElementTree.fromstring(await request.body())
    except Exception:  # any unparsable or unsafe XML is a client fault
        return _soap_fault(
            "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
        )
    try:
        user = check_password(
            emulator.connected_app, _local_text(root, "username"), _local_text(root, "password")
        )
    except OAuthError:
        return _soap_fault(
            "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
        )
    session = emulator.sessions.issue(user)
    base = instance_url(emulator, request)
    org15 = emulator.org.org_id[:15]
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse>'
        f"<result><metadataServerUrl>{base}/services/Soap/m/{version}/{org15}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
        f"<serverUrl>{base}/services/Soap/u/{version}/{org15}</serverUrl>"
        f"<sessionId>{escape(session.token)}</sessionId><userId>{user.id}</userId>"
        f"<userInfo><organizationId>{emulator.org.org_id}</organizationId>"
        f"<userEmail>{escape(user.email)}</userEmail><userId>{user.id}</userId>"
        f"<userName>{escape(user.username)}</userName>"
        f"<sessionSecondsValid>{emulator.settings.token_ttl_seconds}</sessionSecondsValid>"
        "</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, media_type=SOAP_XML)
