"""The dashboard speaks the viewer's language (English, Traditional, Simplified Chinese), like the desk:
its catalogues hold every word the page and its script say (and the template of the catalogues is
current: run the `pybabel extract` line of services/projection/dashboard/locale/babel.cfg after a
change), the language follows ?lang=, the desk's choice and Accept-Language, and a Chinese page has no
English label left — neither in the page nor among the words its script writes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.projection.dashboard import LOCALE_DIR, STATIC_DIR, mount
from shared.i18n import compile_catalogue

DASHBOARD = LOCALE_DIR.parent
METHODS = [("**/templates/**.html", "jinja2"), ("**/static/**.js", "javascript")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}
# Words that stay as they are on every page: each language's own name in the switch.
LANGUAGE_NAMES = {"English"}


def said_on_the_page() -> set[str]:
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(DASHBOARD, METHODS, OPTIONS)
    }


def catalogue(locale: str) -> dict[str, str]:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    api = FastAPI()
    mount(api)
    with TestClient(api) as test_client:
        yield test_client


@pytest.mark.parametrize("locale", ["zh_Hant", "zh_Hans"])
def test_every_word_of_the_page_and_its_script_is_translated(locale: str) -> None:
    words = said_on_the_page()
    assert len(words) > 150
    assert "Time-limit compliance" in words and "caused by:" in words  # the page's and the script's
    translated = catalogue(locale)
    missing = sorted(w for w in words if not translated.get(w))
    assert not missing, f"{locale} lacks {missing}"
    assert all(placeholders(w) == placeholders(translated[w]) for w in words)


def test_the_template_of_the_catalogues_is_current() -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as source:
        template = {m.id for m in read_po(source) if m.id}
    assert template == said_on_the_page()


def test_the_catalogues_compile_and_the_two_scripts_differ() -> None:
    hant = compile_catalogue(LOCALE_DIR / "zh_Hant" / "LC_MESSAGES" / "messages.po")
    hans = compile_catalogue(LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "messages.po")
    assert hant.gettext("Complaints dashboard") == "投訴儀表板"
    assert hans.gettext("Complaints dashboard") == "投诉仪表板"
    assert hant.gettext("Office") == "管理處"  # the desk's word for an office, on both
    assert not list(Path(LOCALE_DIR).rglob("*.mo"))


class Words(HTMLParser):
    """What a person reads on the page: its text and the words of its attributes (labels, titles)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.messages = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # the script's words (#messages); the codes' words (#codes) are data read by code, not sentences
        self._in = "codes" if tag == "script" and ("id", "codes") in attrs else tag
        self.texts += [v or "" for k, v in attrs if k in ("aria-label", "title", "placeholder", "alt")]

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.messages += data
        elif self._in not in ("style", "codes"):
            self.texts.append(data)


def english_words(texts: list[str]) -> list[str]:
    return [w for text in texts for w in re.findall(r"[A-Za-z]{2,}", text) if w not in LANGUAGE_NAMES]


@pytest.mark.parametrize(("lang", "title"), [("zh-Hant", "投訴儀表板"), ("zh-Hans", "投诉仪表板")])
def test_a_chinese_page_has_no_english_label_left(client: TestClient, lang: str, title: str) -> None:
    answer = client.get("/dashboard", params={"lang": lang})
    assert answer.status_code == 200 and answer.headers["content-language"] == lang
    assert f'<html lang="{lang}">' in answer.text and f"<title>{title}</title>" in answer.text
    page = Words()
    page.feed(answer.text)
    assert english_words(page.texts) == [], english_words(page.texts)

    # The script's words travel as data: every one it says is there, in Chinese.
    messages = json.loads(page.messages)
    script = {w for f, _l, w, _c, _x in extract_from_dir(DASHBOARD, METHODS[1:]) if isinstance(w, str)}
    assert script and all(w in messages for w in script), sorted(script - messages.keys())
    leftover = {w: english_words([re.sub(r"%\(\w+\)s", "", messages[w])]) for w in script}
    assert not {w: e for w, e in leftover.items() if e}, leftover


def test_the_script_writes_no_sentence_outside_the_catalogue() -> None:
    """A sentence or label in dashboard.js not wrapped in _(…) would stay English on a Chinese page."""
    script = (STATIC_DIR / "dashboard.js").read_text()
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith(("//", "*", "/**")))
    literals = re.findall(r'(?<!_\()"([^"\n]*)"|(?<!_\()`([^`\n]*)`', code)
    sentences = [
        a or b for a, b in literals if re.search(r"\b[A-Za-z][a-z]+ [a-z]{2,}", re.sub(r"\$\{[^}]*\}", "", a or b))
    ]
    css_classes = [s for s in sentences if re.fullmatch(r"[a-z -]+(\$\{[^}]*\})?[a-z -]*", s)]
    assert sorted(set(sentences) - set(css_classes)) == []


def test_english_by_default_and_the_language_is_chosen_as_on_the_desk(client: TestClient) -> None:
    def language(cookies: dict[str, str] | None = None, **kwargs: object) -> str:
        client.cookies.clear()
        for name, value in (cookies or {}).items():
            client.cookies.set(name, value)
        answer = client.get("/dashboard", **kwargs)  # type: ignore[arg-type]
        return answer.headers["content-language"]

    assert language() == "en"
    assert language(headers={"Accept-Language": "zh-HK,zh;q=0.9,en;q=0.5"}) == "zh-Hant"
    assert language(headers={"Accept-Language": "zh-CN"}) == "zh-Hans"
    assert language(cookies={"desk_lang": "zh-Hans"}, headers={"Accept-Language": "en"}) == "zh-Hans"
    assert language(params={"lang": "zh-Hant"}, cookies={"desk_lang": "zh-Hans"}) == "zh-Hant"
    # Asked for once, remembered (by the dashboard's own cookie, before the desk's).
    client.cookies.clear()
    assert client.get("/dashboard?lang=zh-Hans").cookies.get("dashboard_lang") == "zh-Hans"
    assert client.get("/dashboard", headers={"Accept-Language": "en"}).headers["content-language"] == "zh-Hans"
    assert language(params={"lang": "xx"}) == "en"


@pytest.mark.parametrize(
    ("lang", "sanitation", "engineering"),
    [
        ("en", "environmental sanitation", "engineering"),
        ("zh-Hant", "環境衛生", "工程部"),
        ("zh-Hans", "环境卫生", "工程部"),
    ],
)
def test_the_page_carries_the_business_areas_and_departments_words(
    client: TestClient, lang: str, sanitation: str, engineering: str
) -> None:
    """Found on `make up`: a Chinese dashboard listed its categories as "electromechanical", "sanitation" (the
    desk and the reports say 機電設備, 環境衛生). The page carries the bundled vocabulary's words as data
    (#codes, from shared/contracts/labels.py); the script shows a code's word, the code in its title."""
    page = client.get("/dashboard", params={"lang": lang}).text
    codes = json.loads(re.search(r'<script type="application/json" id="codes">(.*?)</script>', page, re.S)[1])  # type: ignore[index]
    assert codes["area"]["sanitation"] == sanitation and codes["department"]["engineering"] == engineering
    script = (STATIC_DIR / "dashboard.js").read_text()
    assert "areaWord(c.business_area)" in script and "areaWord(c.category)" in script
