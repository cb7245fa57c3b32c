"""The concealment signals' details in the dashboard's language (`static/signals.js`, run here under Node
with the page's own compiled catalogues), written from the figures the API sends with each signal
(`values`); an English page keeps the API's sentence.

Before, a Chinese dashboard showed every signal's detail in English ("registration number(s) 3 missing
before no. 4"). The signals here are the projection's own, found over a seeded history (a missing
number in every office, a hotline call never registered, one registered late, a late registration)
and by its outlier rule; the same script filled with the English ids (no catalogue) writes each one
exactly as the API's `detail`, so the figures carry the whole sentence."""

# ruff: noqa: RUF001 (Chinese punctuation in the expected details)
from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from services.projection import bootstrap
from services.projection.dashboard import LOCALE_DIR, STATIC_DIR, script_words
from services.projection.domain.policy import Policy
from services.projection.domain.signals import outliers_of_counts
from services.projection.settings import ProjectionSettings
from shared import i18n
from tests.projection.scenario import build
from tests.projection.support import feed

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js runs the page's script here; it is not installed")

RUNNER = r"""
require(process.argv[1]);
const { lang, messages, signals } = JSON.parse(require("fs").readFileSync(0, "utf8"));
const _ = (text) => messages[text] || text;
const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, name) => String(values[name]));
const time = (iso) => iso;
process.stdout.write(JSON.stringify(signals.map((s) => globalThis.signalDetail(s, { lang, _, fmt, time }))));
"""


def details(lang: str, signals: list[dict[str, Any]], messages: dict[str, str] | None = None) -> list[str]:
    if messages is None:
        messages = script_words(i18n.load_translations(LOCALE_DIR)[lang]) if lang != "en" else {}
    assert NODE is not None
    run = subprocess.run(
        [NODE, "-e", RUNNER, str(STATIC_DIR / "signals.js")],
        input=json.dumps({"lang": lang, "messages": messages, "signals": signals}),
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    answer: list[str] = json.loads(run.stdout)
    return answer


@pytest.fixture(scope="module")
def signals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict[str, Any]]]:
    app = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=tmp_path_factory.mktemp("signals")))
    scenario = build("signal-details", per_office=12, seed=7)
    feed(app, scenario.events())
    found = [s.as_dict() for s in app.signals(None, scenario.now)]
    app.close()
    policy = Policy()
    counts = {"a": 10, "b": 11, "c": 12, "d": 300, "e": 10}
    found += [s.as_dict() for s in outliers_of_counts(counts, {}, counts, policy)]  # by counts
    units = dict.fromkeys(counts, 1000)
    found += [s.as_dict() for s in outliers_of_counts({**counts, "d": 0}, units, counts, policy)]  # per million, below
    yield found


def test_the_history_gives_every_kind(signals) -> None:
    kinds = {s["kind"] for s in signals}
    assert kinds >= {"sequence-gap", "hotline-unregistered", "outlier-office"}, kinds
    assert {s["values"].get("measure") for s in signals if s["kind"] == "outlier-office"} == {
        "complaints", "per-million-units",
    }  # fmt: skip


def test_the_figures_carry_the_whole_sentence(signals) -> None:
    """The script filled with the English ids writes each signal as the API's English detail (a
    language it has no catalogue for: every id stays English)."""
    assert details("xx", signals, messages={}) == [s["detail"] for s in signals]


def test_an_english_page_keeps_the_api_s_detail(signals) -> None:
    assert details("en", signals) == [s["detail"] for s in signals]


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_a_chinese_page_writes_each_detail_in_its_language(signals, lang: str) -> None:
    written = details(lang, signals)
    for signal, line in zip(signals, written, strict=True):
        words = re.sub(r"\d{4}-\d\d-\d\dT[\d:.+]+(Z|[+-]\d\d:\d\d)?", "", line)  # instants: the page's time text
        words = words.replace(signal["reference"] or "", "")
        assert not re.search(r"[A-Za-z]{2,}", words), f"English left in {signal['kind']}: {line!r}"
        assert re.search(r"[\u4e00-\u9fff]", line), line


def test_the_chinese_details_say_the_figures() -> None:
    gap = {"kind": "sequence-gap", "detail": "x", "reference": "3-4", "values": {"span": "3-4", "number": 5}}
    late = {"kind": "registered-late", "detail": "x", "reference": None, "values": {"hours": 2, "minutes": 5}}
    call = {
        "kind": "hotline-unregistered", "detail": "x", "reference": "HL-9",
        "values": {"reported_at": "2026-11-03T01:00:00+00:00", "days": 1, "hours": 3},
    }  # fmt: skip
    outlier = {
        "kind": "outlier-office", "detail": "x", "reference": "z=5.00",
        "values": {"rate": 1250.0, "measure": "per-million-units", "direction": "above", "z": 5.0},
    }  # fmt: skip
    assert details("zh-Hant", [gap, late, call, outlier]) == [
        "第 5 號之前缺少登記編號 3-4",
        "管理處所稱接獲後 2 小時 5 分鐘 才登記",
        "2026-11-03T01:00:00+00:00 的熱線來電 HL-9 管理處未有登記；已過 1 日 3 小時",
        "每百萬單位 1250.0 宗投訴，遠高於同儕（穩健 z 值 5.0）",
    ]
    assert details("zh-Hans", [gap])[0] == "第 5 号之前缺少登记编号 3-4"
    unknown = {"kind": "something-new", "detail": "as the API says", "reference": None, "values": {"n": 1}}
    assert details("zh-Hant", [unknown]) == ["as the API says"], "a kind the page does not know keeps the API's"
