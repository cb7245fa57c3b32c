"""Where a complaint is: the estate, the building, the floor and the flat, read from an address
written in English order ("Flat B, 12/F, Block 3, Telford Gardens") or Chinese order
("九龍灣德福花園3座12樓B室", "深圳市南山区XX花园3栋1201"), in Traditional or Simplified characters.

The parser removes what it recognises (flat, floor, block, phase, street number, district) and keeps
the rest as the estate's name, in one canonical script (see `script.canonical`). It never translates
a name: "Telford Gardens" and "德福花園" stay two names, and `Address.name_script` says which one was
written, so an explanation can say that the two cannot be matched by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .numerals import chinese_int
from .script import canonical, has_cjk, has_latin


def _number(label: str) -> str:
    """'第三' / '十二' / '03' / 'B' -> '3' / '12' / '3' / 'b' (a label that is not a number stays as written)."""
    label = label.strip().lower().removeprefix("第")
    value = chinese_int(label, label=True)
    return label if value is None else str(value)


_NUM = r"(?:第?[0-9]{1,3}|第?[一二三四五六七八九十两]{1,3})"
_LABEL = rf"(?:{_NUM}|[a-z]{{1,2}}[0-9]{{0,2}}|[0-9]{{1,3}}[a-z])"

# English order (the text is already lower-case and Simplified).
_EN_FLAT = re.compile(r"\b(?:flat|unit|rm|room|apt|apartment)\.?\s*([a-z0-9]{1,5})\b")
_EN_FLOOR = re.compile(
    r"\b(?:(g|lg|ug|[0-9]{1,3})\s*/\s*f|(?:floor|flr|fl)\.?\s*([0-9]{1,3})|([0-9]{1,3})(?:st|nd|rd|th)?\s+floor"
    r"|(ground)\s+floor)\b"
)
_EN_BLOCK = re.compile(r"\b(?:block|blk|tower|twr|bldg|building)\.?\s*([a-z0-9]{1,4})\b")
_EN_PHASE = re.compile(r"\bphase\s*([0-9]{1,2}|[ivx]{1,4})\b")
_EN_STREET = re.compile(
    r"\b[0-9]{1,4}[a-z]?(?:-[0-9]{1,4})?\s+(?:[a-z]+\s+){0,4}(?:street|st|road|rd|avenue|ave|lane|drive|path|way)\b\.?"
)

# Chinese order.
_ZH_FLAT = re.compile(rf"({_LABEL})\s*(?:室|房|号室)")
_ZH_FLOOR = re.compile(rf"({_NUM}|地下|地)\s*(?:楼|层)(?:\s*([a-z0-9]{{1,3}})(?![0-9a-z]))?")
_ZH_BLOCK = re.compile(rf"({_LABEL})\s*(?:座|栋|幢|号楼)(?:\s*([0-9]{{1,2}})([0-9]{{2}})(?![0-9]))?")
_ZH_PHASE = re.compile(rf"({_NUM})\s*期")
_ZH_STREET = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:路|街|道|大道)\s*[0-9]{1,4}\s*号")

# Places larger than an estate, removed from what is left (canonical forms: Simplified, lower-case).
_REGIONS = sorted(
    (  # noqa: SIM905 (one readable line per area)
        "香港岛 香港 九龙 新界 港岛 中国 广东省 广东 深圳市 深圳 离岛 "
        "九龙湾 观塘 将军澳 沙田 荃湾 屯门 元朗 大埔 黄大仙 深水埗 油麻地 旺角 尖沙咀 红磡 土瓜湾 何文田 北角 "
        "鲗鱼涌 柴湾 筲箕湾 西环 中环 湾仔 铜锣湾 跑马地 香港仔 鸭脷洲 薄扶林 天水围 马鞍山 大围 火炭 葵涌 青衣 "
        "东涌 上水 粉岭 西贡 坑口 蓝田 牛头角 秀茂坪 钻石山 慈云山 乐富 九龙城 长沙湾 荔枝角 "
        "南山区 福田区 罗湖区 宝安区 龙岗区 龙华区 盐田区 光明区 坪山区 南山 福田 罗湖 宝安 龙岗 龙华 盐田"
    ).split(),
    key=len,
    reverse=True,
)
_EN_REGIONS = (
    "hong kong island|hong kong|kowloon bay|kowloon city|kowloon|new territories|hk|kln|n\\.t\\.|nt|shenzhen|"
    "guangdong|china|kwun tong|tseung kwan o|sha tin|shatin|tsuen wan|tuen mun|yuen long|tai po|wong tai sin|"
    "sham shui po|mong kok|tsim sha tsui|hung hom|north point|quarry bay|chai wan|wan chai|causeway bay|"
    "central|aberdeen|tin shui wai|ma on shan|kwai chung|tsing yi|tung chung|sheung shui|fanling|sai kung|"
    "lam tin|ngau tau kok|diamond hill|mei foo|taikoo|nanshan(?: district)?|futian(?: district)?|"
    "luohu(?: district)?|bao'?an(?: district)?|longgang(?: district)?"
)
# An English district is a part of its own ("..., Kowloon Bay, Kowloon"); inside a name ("Futian Park") it stays.
_EN_REGION = re.compile(rf"(?:(?:{_EN_REGIONS})\s*)+")


# What only names a kind of place: left alone, a district before it is part of the estate's name
# (福田花园 is an estate in Futian; stripped to 花园, every "<district>花园" was one estate, and their
# complaints one incident). Canonical forms: Simplified.
_GENERIC_NAME = re.compile(
    r"(?:花园|花园城|中心|广场|市广场|大厦|商场|城|新城|第一城|村|新村|邨|新邨|苑|阁|山庄|豪庭|公寓|家园|小区)?"
)


@dataclass(frozen=True)
class Address:
    """An address as understood. `estate` is canonical (Simplified, lower-case) or empty; `building`,
    `floor` and `flat` are normalised labels ('3', '12', 'b') or empty."""

    estate: str
    building: str
    floor: str
    flat: str
    phase: str = ""

    @property
    def name_script(self) -> str:
        """'chinese', 'english', 'mixed' or 'none': the script the estate's name is written in."""
        cjk, latin = has_cjk(self.estate), has_latin(self.estate)
        return "mixed" if cjk and latin else "chinese" if cjk else "english" if latin else "none"

    @property
    def site(self) -> str:
        """The estate with its phase: 'telford gardens' or '德福花园/phase 2'."""
        return f"{self.estate}/phase {self.phase}" if self.phase and self.estate else self.estate

    @property
    def unit(self) -> str:
        """The flat as one string, or '' when the address does not name one flat."""
        if not (self.site and self.flat):
            return ""
        return f"{self.site}/{self.building or '-'}/{self.floor or '-'}/{self.flat}"


@lru_cache(maxsize=4096)  # a pure function of the text; the same addresses come back often
def parse_address(text: str) -> Address:
    s = canonical(text)
    found: dict[str, str] = {}

    def take(pattern: re.Pattern[str], fields: tuple[str, ...]) -> None:
        nonlocal s
        match = pattern.search(s)
        if match is None:
            return
        for name, value in zip(fields, match.groups(), strict=False):
            if value and name and name not in found:
                found[name] = _number(value)
        s = s[: match.start()] + " , " + s[match.end() :]

    take(_ZH_STREET, ())
    take(_EN_STREET, ())
    take(_ZH_BLOCK, ("building", "floor", "flat"))
    take(_ZH_FLOOR, ("floor", "flat"))
    take(_ZH_FLAT, ("flat",))
    take(_ZH_PHASE, ("phase",))
    take(_EN_FLAT, ("flat",))
    take(_EN_FLOOR, ("floor", "floor", "floor", "floor"))
    take(_EN_BLOCK, ("building",))
    take(_EN_PHASE, ("phase",))
    if found.get("floor") == "ground":
        found["floor"] = "g"
    return Address(
        estate=_estate(s),
        building=found.get("building", ""),
        floor=found.get("floor", ""),
        flat=found.get("flat", ""),
        phase=found.get("phase", ""),
    )


def _estate(rest: str) -> str:
    """What is left once flat, floor, block and districts are gone: the first named part. Chinese
    districts are stripped from the front of a part only (they come first in Chinese order)."""
    names = []
    for part in re.split(r"[,\uff0c\u3001;]", rest):
        part = " ".join(re.sub(r"[^\w\s'&.-]", " ", part).split()).strip(" -'.")
        if _EN_REGION.fullmatch(part):
            continue
        stripped = True
        while stripped:
            stripped = False
            for region in _REGIONS:
                rest = part[len(region) :].strip()
                if part.startswith(region) and not _GENERIC_NAME.fullmatch(rest):
                    part, stripped = rest, True
                    break
        if re.search(r"[^\W\d_]", part):
            names.append(part)
    return names[0] if names else ""
