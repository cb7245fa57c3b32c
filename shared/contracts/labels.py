"""The vocabularies' words for people: each code of the domain's vocabularies (business areas, content
categories, the bundled routing's departments, severities, validity, nature, communication kinds and
the SLA's clock kinds) in English, Traditional Chinese (Hong Kong) and Simplified Chinese.

One author for these words: the desk's pages and the projection's reports both read them here, beside
the typed vocabularies they name. The codes stay codes on the wire and in the data; only what a reader
sees is a word. A code without a word here (an area or a department the group added through
`PUT /rules`) is shown by its code, so a new one never breaks a page or a report.

The English words are lower case, as they sit in a sentence ("judged valid, minor"); a table's cell
capitalises them (`capitalised`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping
from typing import Final, Literal

from .common import BusinessArea, CommunicationKind, ContentCategory, Nature, Severity, Validity
from .sla import ClockKind

LANGUAGES: Final = ("en", "zh-Hant", "zh-Hans")
Vocabulary = Literal["area", "category", "department", "severity", "validity", "nature", "communication", "clock"]
Words = tuple[str, str, str]  # English, Traditional Chinese, Simplified Chinese

BUSINESS_AREAS: Final[Mapping[str, Words]] = {
    BusinessArea.SANITATION: ("environmental sanitation", "環境衛生", "环境卫生"),
    BusinessArea.PUBLIC_FACILITIES: ("public facilities", "公共設施", "公共设施"),
    BusinessArea.SAFETY: ("safety", "安全", "安全"),
    BusinessArea.STAFF: ("staff", "員工", "员工"),
    BusinessArea.DECORATION: ("decoration", "裝修", "装修"),
    BusinessArea.CUSTOMER_SERVICE: ("customer service", "客戶服務", "客户服务"),
    BusinessArea.PARKING: ("parking", "停車場", "停车场"),
    BusinessArea.ELECTROMECHANICAL: ("electromechanical equipment", "機電設備", "机电设备"),
    BusinessArea.MAINTENANCE: ("maintenance", "維修", "维修"),
    BusinessArea.FINANCE: ("finance", "財務", "财务"),
    BusinessArea.CLUB: ("club", "會所", "会所"),
    BusinessArea.TRAFFIC: ("traffic", "交通", "交通"),
    BusinessArea.CUSTOMER_DATA: ("customer data / privacy", "客戶資料／私隱", "客户资料／隐私"),
    BusinessArea.OTHER: ("other", "其他", "其他"),
}

CONTENT_CATEGORIES: Final[Mapping[str, Words]] = {
    ContentCategory.EQUIPMENT: ("equipment", "設備", "设备"),
    ContentCategory.SERVICE_ATTITUDE: ("service attitude", "服務態度", "服务态度"),
    ContentCategory.SERVICE_QUALITY: ("service quality", "服務質素", "服务质量"),
    ContentCategory.EMERGENCY: ("emergency", "突發事件", "突发事件"),
}

# The departments of the bundled routing (services/triage/rules.toml [routing]); offices and the group
# may route to others, shown by their code.
DEPARTMENTS: Final[Mapping[str, Words]] = {
    "customer-service": ("customer service", "客戶服務部", "客户服务部"),
    "engineering": ("engineering", "工程部", "工程部"),
    "sanitation": ("sanitation", "清潔部", "清洁部"),
    "security": ("security", "保安部", "保安部"),
    "parking": ("car park", "停車場管理", "停车场管理"),
    "finance": ("finance", "財務部", "财务部"),
    "club": ("club", "會所", "会所"),
}

# The roles routing names a department's first responsible person by (services/triage/rules.toml
# [routing.first_responsible]: "engineering duty officer", "car park supervisor"; by default
# "<department> duty officer"), the longest first so "duty officer" is not read as "officer".
FIRST_RESPONSIBLE_ROLES: Final[Mapping[str, Words]] = {
    "duty officer": ("duty officer", "當值主任", "值班主任"),
    "supervisor": ("supervisor", "主管", "主管"),
    "officer": ("officer", "主任", "主任"),
    "manager": ("manager", "經理", "经理"),
}

SEVERITIES: Final[Mapping[str, Words]] = {
    Severity.MINOR: ("minor", "輕微", "轻微"),
    Severity.IMPORTANT: ("important", "重要", "重要"),
    Severity.MAJOR: ("major", "重大", "重大"),
}

VALIDITIES: Final[Mapping[str, Words]] = {
    Validity.VALID: ("valid", "有效", "有效"),
    Validity.ASSISTED: ("assisted", "協助處理", "协助处理"),
    Validity.INVALID: ("invalid", "無效", "无效"),
}

NATURES: Final[Mapping[str, Words]] = {
    Nature.EFFECTIVE: ("effective", "有效投訴", "有效投诉"),
    Nature.COMMUNICATION: ("communication", "溝通類投訴", "沟通类投诉"),
}

COMMUNICATION_KINDS: Final[Mapping[str, Words]] = {
    CommunicationKind.HELP_SEEKING: ("help-seeking", "求助", "求助"),
    CommunicationKind.CONSULTATION: ("consultation", "諮詢", "咨询"),
    CommunicationKind.VENTING: ("venting", "發洩", "发泄"),
}

CLOCK_KINDS: Final[Mapping[str, Words]] = {
    ClockKind.HAND_OVER: ("hand-over (10 minutes)", "轉交（10分鐘）", "转交（10分钟）"),
    ClockKind.RESOLUTION: ("resolution (½ day / 1 day)", "處理（半日／1日）", "处理（半日／1日）"),
    ClockKind.CLEAR_ANSWER: ("clear answer, major (2 days)", "明確答覆，重大（2日）", "明确答复，重大（2日）"),
    ClockKind.SETTLEMENT: ("settlement, major (15 days)", "解決，重大（15日）", "解决，重大（15日）"),
    ClockKind.REPLY: ("reply (same day)", "回覆（即日）", "回复（即日）"),
    ClockKind.RETURN_VISIT: ("return visit (1 day)", "回訪（1日）", "回访（1日）"),
    ClockKind.COMMITMENT: ("promise to the customer", "對客戶的承諾", "对客户的承诺"),
}

VOCABULARIES: Final[Mapping[Vocabulary, Mapping[str, Words]]] = {
    "area": BUSINESS_AREAS,
    "category": CONTENT_CATEGORIES,
    "department": DEPARTMENTS,
    "severity": SEVERITIES,
    "validity": VALIDITIES,
    "nature": NATURES,
    "communication": COMMUNICATION_KINDS,
    "clock": CLOCK_KINDS,
}


def _index(language: str) -> int:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; one of {', '.join(LANGUAGES)}")
    return LANGUAGES.index(language)


def words(vocabulary: Vocabulary, language: str) -> dict[str, str]:
    """Each code of `vocabulary` with its word in `language` (codes as plain strings)."""
    index = _index(language)
    return {str(code): said[index] for code, said in VOCABULARIES[vocabulary].items()}


def word(vocabulary: Vocabulary, code: str, language: str) -> str:
    """The word for `code` in `language`, else the code itself (one the group added)."""
    said = VOCABULARIES[vocabulary].get(code)
    return said[_index(language)] if said else code


def first_responsible(text: str, language: str) -> str:
    """Routing's first responsible person in `language`: "<department> <role>" (the department by its
    code or its word, the role one of FIRST_RESPONSIBLE_ROLES) becomes the department's word and the
    role's ("engineering duty officer" -> "工程部當值主任"); any other text (an office's own wording,
    a department without words) is free text, kept as routing wrote it."""
    index = _index(language)
    said = " ".join(text.split())
    for role, role_words in FIRST_RESPONSIBLE_ROLES.items():
        if not said.casefold().endswith(" " + role):
            continue
        department = department_code(said[: -len(role)], DEPARTMENTS)
        if department is None:
            return text
        if index == 0:
            return f"{DEPARTMENTS[department][0]} {role_words[0]}"
        return DEPARTMENTS[department][index] + role_words[index]
    return text


def capitalised(text: str) -> str:
    """A word as a table's cell or a heading starts it (English; Chinese has no case)."""
    return text[:1].upper() + text[1:]


def department_code(text: str, departments: Collection[str]) -> str | None:
    """The one of `departments` (routing's codes) that `text` names, by its code or by its word in any
    of the three languages, whatever its case, width and spacing ('Engineering', ' ENGINEERING ',
    '工程部', 'customer service', 'customer_service'); None when it names none of them.

    The one reading of a department typed by a person (a supervisor's routing override at triage, a
    hand-over at handling): 'Engineering Dept' or a typo names none, and is refused by the caller
    rather than recorded as a department nobody is in."""
    typed = _plain_code(text)
    for code in departments:
        named = {_plain_code(code), *(_plain_code(said) for said in DEPARTMENTS.get(code, ()))}
        if typed in named:
            return code
    return None


def _plain_code(text: str) -> str:
    """NFKC, case-folded, '-' and '_' read as spaces, spaces collapsed: how a code and a word compare."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("-", " ").replace("_", " ")
    return " ".join(folded.split())
