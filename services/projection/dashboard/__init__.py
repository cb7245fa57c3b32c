"""The web dashboard: one static page (plain HTML, vanilla JS, CSS; no build step, nothing fetched from
the internet) that reads the projection's own query API with the user's key.

`mount(api)` serves the page at `/dashboard` and its assets at `/dashboard/static/...` on the
projection's FastAPI app. The page holds no data and no secret: it asks for the key in the browser,
so serving it needs no key. It is kept out of the OpenAPI document (the API stays read-only JSON).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
PAGE = STATIC_DIR / "index.html"

# Only this origin: the page may load its own script and style and call its own API, nothing else
# (no CDN, no fonts, no analytics). Charts are drawn as inline SVG built through the DOM.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def mount(api: FastAPI) -> None:
    """Serve the dashboard page at `/dashboard` and its assets at `/dashboard/static/...`."""

    @api.get("/dashboard", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(PAGE, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    @api.get("/dashboard/", include_in_schema=False)
    def dashboard_slash() -> RedirectResponse:
        return RedirectResponse("/dashboard", status_code=308)

    api.mount("/dashboard/static", StaticFiles(directory=STATIC_DIR), name="dashboard-static")
