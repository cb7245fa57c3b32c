"""The web dashboard: one static page (plain HTML, vanilla JS, CSS; no build step, nothing fetched from
the internet) that reads the projection's own query API with the user's key.

`mount(api)` serves the page at `/dashboard` and its assets at `/dashboard/static/...` on the
projection's FastAPI app. The page holds no data and no secret: it asks for the key in the browser,
so serving it needs no key. It is kept out of the OpenAPI document (the API stays read-only JSON).

The page speaks the viewer's language, as the desk does (English, Traditional, Simplified Chinese:
`locale/`, gettext catalogues compiled by Babel at mount): `?lang=` (remembered in a cookie), else the
desk's choice when the desk shares the host (its `desk_lang` cookie), else Accept-Language. The
template is rendered once per language at mount; the script's words travel in the page as data.
"""

from __future__ import annotations

from pathlib import Path

from babel.support import NullTranslations
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from shared import i18n
from shared.contracts import labels

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
LOCALE_DIR = HERE / "locale"
COOKIE = "dashboard_lang"
DESK_COOKIE = "desk_lang"  # the desk's choice, when the desk is served from the same host

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


def script_words(translations: NullTranslations) -> dict[str, str]:
    """Every message of the language's catalogue, English id -> words (the script looks its own up)."""
    catalogue = getattr(translations, "_catalog", {})
    return {key: value for key, value in catalogue.items() if isinstance(key, str) and key and value}


def code_words(language: str) -> dict[str, dict[str, str]]:
    """The bundled business areas' and departments' words in `language` (shared/contracts/labels.py, as the
    desk and the reports say them): the script shows a code's word, the code in its title; a code the
    group added has none and is shown as it is."""
    return {"area": labels.words("area", language), "department": labels.words("department", language)}


def render_pages() -> dict[str, str]:
    """The page in each language, rendered once."""
    pages = {}
    for language, translations in i18n.load_translations(LOCALE_DIR).items():
        template = i18n.environment(TEMPLATES_DIR, translations).get_template("index.html")
        pages[language] = template.render(
            lang=language, messages=script_words(translations), codes=code_words(language)
        )
    return pages


def mount(api: FastAPI) -> None:
    """Serve the dashboard page at `/dashboard` and its assets at `/dashboard/static/...`."""
    pages = render_pages()

    @api.get("/dashboard", include_in_schema=False)
    def dashboard(request: Request, lang: str | None = None) -> HTMLResponse:
        cookies = request.cookies
        language = i18n.choose(
            lang, cookies.get(COOKIE), cookies.get(DESK_COOKIE), accept_language=request.headers.get("accept-language")
        )
        headers = {**PAGE_HEADERS, "Content-Language": language, "Vary": "Accept-Language, Cookie"}
        answer = HTMLResponse(pages[language], headers=headers)
        if lang in i18n.LANGUAGES:
            answer.set_cookie(COOKIE, language, max_age=365 * 86400, samesite="lax", path="/dashboard")
        return answer

    @api.get("/dashboard/", include_in_schema=False)
    def dashboard_slash() -> RedirectResponse:
        return RedirectResponse("/dashboard", status_code=308)

    api.mount("/dashboard/static", StaticFiles(directory=STATIC_DIR), name="dashboard-static")
