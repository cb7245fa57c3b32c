"""The dashboard's timeline lines in the page's language, from each entry's type and fields
(`static/lines.js`, run here under Node with the page's own compiled catalogues), not the projection's
English summary; an English page keeps the projection's line exactly as before.

Before, every line of a Chinese dashboard's timeline was the projection's English ("resolution#0
deadline warning: 50% of the time used"). The browser test in test_dashboard.py checks the same on
the page itself."""

# ruff: noqa: RUF001 (Chinese punctuation in the expected lines)
from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest

from services.projection.dashboard import LOCALE_DIR, STATIC_DIR, script_words
from services.projection.domain.view import summary_of
from shared import i18n

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js runs the page's script here; it is not installed")

# What dashboard.js's word() does with the API's codes: the English word, looked up in the catalogue.
RUNNER = r"""
require(process.argv[1]);
const { lang, messages, entries } = JSON.parse(require("fs").readFileSync(0, "utf8"));
const ENGLISH = { "walk-in": "walk-in", text: "text message", email: "e-mail", "in-handling": "in handling" };
const _ = (text) => messages[text] || text;
const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, name) => String(values[name]));
const word = (code) => (code === null || code === undefined || code === "" ? "—" : _(ENGLISH[code] || code));
const time = (iso) => `<${iso}>`;
process.stdout.write(JSON.stringify(entries.map((e) => globalThis.timelineLine(e, { lang, _, fmt, word, time }))));
"""

ENTRIES: list[dict[str, Any]] = [
    {"type": "complaints.triage.ComplaintTriaged",
     "payload": {"validity": "valid", "severity": "major", "business_area": "lift", "department": "engineering"}},
    {"type": "complaints.sla.DeadlineWarning",
     "payload": {"clock": "resolution", "key": "resolution#0", "fraction": 0.8, "deadline": "2026-11-03T05:30:00Z"}},
    {"type": "complaints.sla.DeadlineBreached",
     "payload": {"clock": "settlement", "key": "settlement#1", "deadline": "2026-11-20T09:30:00Z",
                 "escalation_level": 2}},
    {"type": "complaints.sla.ExtensionDecided",
     "payload": {"clock": "resolution", "key": "resolution#0", "approved": True, "until": "2026-11-03T05:30:00Z",
                 "reason": "parts"}},
    {"type": "complaints.triage.DecisionConfirmed",
     "payload": {"aspect": "severity", "value": "important", "reason": "checked on site"}},
    {"type": "complaints.followup.ReturnVisitMade",
     "payload": {"attempt": 2, "outcome": "dissatisfied", "final": True}},
    {"type": "complaints.intake.ComplaintRegistered",
     "payload": {"sequence_number": 12, "form": {"channel": "walk-in", "object": "lift"}}},
]  # fmt: skip

EXPECTED = {
    "zh-Hant": [
        "判定為有效、重大；分派至 engineering",
        "處理：時限預警，已用 80% 時間",
        "解決（15日） #1：已逾時（第 2 級升級）",
        "處理：已批准延長至 <2026-11-03T05:30:00Z>",
        "嚴重程度確認為「重要」：checked on site",
        "第 2 次回訪：不滿意",
        "登記為第 12 號（親臨）",
    ],
    "zh-Hans": [
        "判定为有效、重大；分派至 engineering",
        "处理：时限预警，已用 80% 时间",
        "解决（15日） #1：已超时（第 2 级升级）",
        "处理：已批准延长至 <2026-11-03T05:30:00Z>",
        "严重程度确认为“重要”：checked on site",
        "第 2 次回访：不满意",
        "登记为第 12 号（来访）",
    ],
}


def lines(lang: str, entries: list[dict[str, Any]]) -> list[str]:
    messages = script_words(i18n.load_translations(LOCALE_DIR)[lang]) if lang != "en" else {}
    assert NODE is not None
    run = subprocess.run(
        [NODE, "-e", RUNNER, str(STATIC_DIR / "lines.js")],
        input=json.dumps({"lang": lang, "messages": messages, "entries": entries}),
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    answer: list[str] = json.loads(run.stdout)
    return answer


def _summary(entry: dict[str, Any]) -> str:
    class Received:
        short_type = entry["type"].rsplit(".", 1)[-1]
        payload = entry["payload"]

    return summary_of(Received())  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_a_chinese_page_writes_each_line_from_its_type_and_fields(lang: str) -> None:
    entries = [{**e, "summary": _summary(e)} for e in ENTRIES]
    assert lines(lang, entries) == EXPECTED[lang]


def test_an_english_page_keeps_the_projection_s_lines_as_they_were() -> None:
    entries = [{**e, "summary": _summary(e)} for e in ENTRIES]
    assert lines("en", entries) == [e["summary"] for e in entries]
    assert entries[1]["summary"] == "resolution#0 deadline warning: 80% of the time used"


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_every_kind_the_projection_writes_a_line_for_has_one_in_chinese(lang: str) -> None:
    """Each event type the projection's summary knows is written in the page's language (no English
    words left but the codes passed through: here none), and a type unknown to the page keeps the
    projection's line rather than breaking."""
    source = (STATIC_DIR.parents[1] / "domain" / "view.py").read_text()
    kinds = re.findall(r'^\s+"(\w+)": lambda', source[source.index("def summary_of") :], flags=re.M)
    assert len(kinds) > 30
    entries = [{"type": f"complaints.x.{k}", "payload": {}, "summary": f"SUMMARY {k}"} for k in kinds]
    entries.append({"type": "complaints.x.SomethingNew", "payload": {}, "summary": "SUMMARY new"})
    written = lines(lang, entries)
    assert [k for k, line in zip(kinds, written, strict=False) if line.startswith("SUMMARY")] == []
    assert written[-1] == "SUMMARY new"
