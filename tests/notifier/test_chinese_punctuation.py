# ruff: noqa: RUF001, RUF002 (the Chinese punctuation is what is tested)
"""Found on the walk as a complainant: a mail or text written in Chinese alone put a Latin colon and a
space after its Chinese words — the subject 您的投诉已登记: W4-SZ-2, the link's line 查看進度: https://… —
beside the full-width colons of its other lines (編號：…, 期限：…), as the status page once did. A Chinese
mail now says 您的投诉已登记：W4-SZ-2 and 查看進度：https://…; English, and the two languages together
(the complainant's language not recorded), keep ': '."""

from __future__ import annotations

import pytest

from services.notifier.domain import receipts, updates
from services.notifier.domain.wording import EN, UNKNOWN, ZH_HANS, ZH_HANT, follow_line, subject

URL = "https://desk.example/status/abc.def?lang=x"


@pytest.mark.parametrize(
    ("langs", "recorded", "follow"),
    [
        ((ZH_HANT,), "您的投訴已登記：W4-HK-2", f"查看進度：{URL}"),
        ((ZH_HANS,), "您的投诉已登记：W4-SZ-2", f"查看进度：{URL}"),
        ((EN,), "Your complaint is recorded: W4-SZ-2", f"Follow it here: {URL}"),
        (UNKNOWN, "Your complaint is recorded / 您的投訴已登記: W4-SZ-2", f"Follow it here / 查看進度: {URL}"),
    ],
)
def test_a_chinese_subject_and_link_line_use_the_full_width_colon(
    langs: tuple[str, ...], recorded: str, follow: str
) -> None:
    reference = recorded.rsplit(" ", 1)[-1].rsplit("：", 1)[-1]
    assert subject(receipts.SUBJECT, langs, reference) == recorded
    assert follow_line(langs, URL) == follow


def test_every_update_s_chinese_subject_reads_so() -> None:
    for words in updates.SUBJECTS.values():
        assert subject(words, (ZH_HANT,), "R-1") == f"{words[ZH_HANT]}：R-1"
        assert ": " not in subject(words, (ZH_HANS,), "R-1")
