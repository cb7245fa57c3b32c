"""The reports' words in English, Traditional Chinese (Hong Kong) and Simplified Chinese.

Codes (business areas, record-rule steps, statuses) stay codes in the data; only what a reader sees is
translated. The business areas' and the SLA clocks' words are the vocabularies' own, shared with the desk
(`shared/contracts/labels.py`); a business area the group adds later (`PUT /rules` on triage) has no word
there and is shown by its code, so a new area never breaks a report.
"""

from __future__ import annotations

from shared.contracts import labels as vocabulary

LANGS = ("en", "zh-Hant", "zh-Hans")

_WORDS: dict[str, tuple[str, str, str]] = {
    # titles
    "title.week": ("Weekly complaint report", "每週投訴報告", "每周投诉报告"),
    "title.month": ("Monthly complaint report", "每月投訴報告", "每月投诉报告"),
    "title.year": ("Annual complaint report", "年度投訴報告", "年度投诉报告"),
    "group": ("Group", "集團", "集团"),
    "scope": ("Scope", "範圍", "范围"),
    "period": ("Period", "期間", "期间"),
    "from": ("From", "由", "由"),
    "to": ("to", "至", "至"),
    "judged_at": ("Judged at", "評定時間", "评定时间"),
    "no_personal_data": (
        "Counts only: this report holds no personal data.",
        "只含統計數字，不含個人資料。",
        "只含统计数字，不含个人资料。",
    ),
    # the XLSX's sheets (at most 31 characters, none of []:*?/\\)
    "sheet.summary": ("Summary", "摘要", "摘要"),
    "sheet.areas": ("Areas", "業務範疇", "业务范畴"),
    "sheet.pareto": ("Pareto", "柏拉圖", "帕累托图"),
    "sheet.limits": ("Time limits", "時限", "时限"),
    "sheet.steps": ("Record rule", "記錄規則", "记录规则"),
    "sheet.offices": ("Offices", "管理處", "管理处"),
    # sections
    "section.summary": ("Summary", "摘要", "摘要"),
    "section.areas": (
        "Valid, assisted and invalid by business area",
        "按業務範疇劃分的有效、協助及無效投訴",
        "按业务范畴划分的有效、协助及无效投诉",
    ),
    "section.pareto": (
        "Pareto of business areas (valid complaints)",
        "業務範疇柏拉圖（有效投訴）",
        "业务范畴帕累托图（有效投诉）",
    ),
    "section.limits": (
        "Time-limit compliance per limit (SLA clocks)",
        "各時限達標情況（SLA 計時）",
        "各时限达标情况（SLA 计时）",
    ),
    "section.steps": ("The record rule per step", "記錄規則各步驟", "记录规则各步骤"),
    "no_clocks": ("No SLA clock ran in this period.", "此期間沒有 SLA 計時。", "此期间没有 SLA 计时。"),
    "section.offices": ("Offices", "管理處", "管理处"),
    # measures
    "complaints": ("Complaints", "投訴", "投诉"),
    "valid": ("Valid", "有效", "有效"),
    "assisted": ("Assisted", "協助", "协助"),
    "invalid": ("Invalid", "無效", "无效"),
    "untriaged": ("Not yet judged", "未判定", "未判定"),
    "area": ("Business area", "業務範疇", "业务范畴"),
    "count": ("Count", "數目", "数目"),
    "share": ("Share", "佔比", "占比"),
    "cumulative_share": ("Cumulative share", "累計佔比", "累计占比"),
    "top_three_share": ("Top-three share", "前三位佔比", "前三位占比"),
    "limit": ("Time limit", "時限", "时限"),
    "resolution_met": ("Resolution limit met", "處理時限達標", "处理时限达标"),
    "resolution_met_under_extension": ("Resolution met under extension", "處理延期後達標", "处理延期后达标"),
    "resolution_breached": ("Resolution limit breached", "處理時限逾時", "处理时限逾时"),
    "met": ("Met", "達標", "达标"),
    "met_under_extension": ("Met under extension", "延期後達標", "延期后达标"),
    "breached": ("Breached", "逾時", "逾时"),
    "pending": ("Pending", "進行中", "进行中"),
    "other": ("Waived / not applicable", "豁免／不適用", "豁免／不适用"),
    "compliance_rate": ("Compliance rate", "達標率", "达标率"),
    "return_visit_rate": ("Return-visit rate", "回訪率", "回访率"),
    "visits_due": ("Return visits due", "應回訪", "应回访"),
    "visits_made": ("Return visits made", "已回訪", "已回访"),
    "satisfaction": ("Average satisfaction (1-5)", "平均滿意度（1-5）", "平均满意度（1-5）"),
    "satisfied": ("Satisfied", "滿意", "满意"),
    "dissatisfied": ("Dissatisfied", "不滿意", "不满意"),
    "unreachable": ("Unreachable", "未能聯絡", "未能联络"),
    "repeat_complainants": ("Repeat complainants", "重複投訴人", "重复投诉人"),
    "repeat_complaints": ("Their complaints", "其投訴數目", "其投诉数目"),
    "violations": ("Record-rule violations", "記錄規則違規", "记录规则违规"),
    "units_served": ("Units served", "服務單位數", "服务单位数"),
    "per_million_units": ("Complaints per million units", "每百萬單位投訴數", "每百万单位投诉数"),
    "office": ("Office", "管理處", "管理处"),
    "none": ("n/a", "不適用", "不适用"),
    # record-rule steps (each one a time limit)
    "step.recorded": ("Recorded (1 hour)", "記錄（1小時）", "记录（1小时）"),
    "step.handled": ("Handed over (10 minutes)", "轉交（10分鐘）", "转交（10分钟）"),
    "step.result": ("Result (by severity)", "處理結果（按嚴重程度）", "处理结果（按严重程度）"),
    "step.reply": ("Reply (same day)", "回覆（即日）", "回复（即日）"),
    "step.return-visit": ("Return visit (1 day)", "回訪（1日）", "回访（1日）"),
    # the areas' and clocks' words are shared with the desk: shared/contracts/labels.py
    "area.unknown": ("Not yet classified", "未分類", "未分类"),
}


def words(lang: str) -> Words:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; one of {', '.join(LANGS)}")
    return Words(LANGS.index(lang))


class Words:
    """`w("valid")` is the word in the chosen language; an unknown key is shown as itself."""

    def __init__(self, index: int) -> None:
        self.index = index

    def __call__(self, key: str) -> str:
        entry = _WORDS.get(key)
        return entry[self.index] if entry else key

    def area(self, code: str) -> str:
        if f"area.{code}" in _WORDS:  # the report's own stand-in ('unknown': not yet classified)
            return self(f"area.{code}")
        return vocabulary.capitalised(vocabulary.word("area", code, LANGS[self.index]))

    def step(self, code: str) -> str:
        return self(f"step.{code}") if f"step.{code}" in _WORDS else code

    def clock(self, code: str) -> str:
        return vocabulary.capitalised(vocabulary.word("clock", code, LANGS[self.index]))
