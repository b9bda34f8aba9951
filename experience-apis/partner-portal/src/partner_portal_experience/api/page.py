"""The partner portal web page: static files, served without a key (the page asks for one)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse

from partner_portal_experience.api.deps import SettingsDep
from trivium.problems import NotFound

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
ASSETS = {"app.js": "text/javascript", "style.css": "text/css"}
# The page is public (the partner's key is typed into it): served without a service token.
PAGE_PATHS = frozenset(
    {"/partner", "/partner/", "/partner/config.json", *(f"/partner/{name}" for name in ASSETS)}
)

router = APIRouter(include_in_schema=False)


def page_headers(
    api_url: str, *, scripts: str = "'self'", styles: str = "'self'"
) -> dict[str, str]:
    """Headers that keep a page to its own scripts (or the `scripts` and `styles` sources given),
    and its calls to the API."""
    parts = urlsplit(api_url)
    api_origin = f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    policy = (
        f"default-src 'none'; script-src {scripts}; style-src {styles}; img-src 'self' data:; "
        f"connect-src 'self'{api_origin}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


@router.api_route("/partner", methods=["GET", "HEAD"])
async def page_root() -> RedirectResponse:
    return RedirectResponse("/partner/", status_code=308)


@router.api_route("/partner/", methods=["GET", "HEAD"])
async def page(settings: SettingsDep) -> FileResponse:
    return FileResponse(
        WEB_DIR / "index.html",
        media_type="text/html; charset=utf-8",
        headers=page_headers(settings.public_api_url),
    )


@router.api_route("/partner/config.json", methods=["GET", "HEAD"])
async def page_config(settings: SettingsDep) -> JSONResponse:
    return JSONResponse(
        {"apiBaseUrl": settings.public_api_url.rstrip("/")},
        headers={"Cache-Control": "no-cache"},
    )


@router.api_route("/partner/{asset}", methods=["GET", "HEAD"])
async def page_asset(
    asset: Annotated[str, PathParam(max_length=40)], settings: SettingsDep
) -> FileResponse:
    media_type = ASSETS.get(asset)
    if media_type is None:
        raise NotFound(f"The partner portal has no file {asset!r}.")
    return FileResponse(
        WEB_DIR / asset,
        media_type=f"{media_type}; charset=utf-8",
        headers=page_headers(settings.public_api_url),
    )
