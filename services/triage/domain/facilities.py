"""What a complaint is about: the facility or utility affected (lift, water, power, gas, drainage,
fire safety, access, the estate's gate or car park, ...), read from the complaint's own words in
English, Traditional or Simplified Chinese and written Cantonese.

Deliberately a small lexicon, not the general rules engine: the incident key needs one robust answer
("which thing"), and the words for things are few and stable. Text is compared in one script
(`script.canonical`), so each Chinese word is listed once, in Simplified (Cantonese-only characters
such as 𨋢 are listed as OpenCC writes them too). English words match whole words, with plurals.

Which facility wins: the first one named in the complaint's object (what is complained about), else
the first one named in the description; at one position the longer phrase wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from .script import canonical


class Scope(StrEnum):
    BUILDING = "building"  # one block's lifts, one block's water
    ESTATE = "estate"  # the estate's main power supply, water mains, car park, gate


@dataclass(frozen=True)
class Facility:
    name: str
    scope: Scope
    english: tuple[str, ...]
    chinese: tuple[str, ...]  # Simplified (canonical) forms, Cantonese included


# Order matters only for ties (same position, same length).
FACILITIES: tuple[Facility, ...] = (
    Facility(
        "lift",
        Scope.BUILDING,
        ("lift", "elevator", "lift car", "lift door"),
        ("电梯", "升降机", "𨋢", "䢂", "较门", "𨋢门"),
    ),
    Facility("escalator", Scope.BUILDING, ("escalator",), ("扶手电梯", "自动扶梯", "扶梯")),
    Facility(
        "water",
        Scope.BUILDING,
        (
            "water supply",
            "no water",
            "water cut",
            "water outage",
            "water pressure",
            "tap water",
            "running water",
            "water pump",
            "water tank",
            "fresh water",
            "flushing water",
            "water mains",
            "water main",
        ),
        (
            "停水",
            "冇水",
            "没水",
            "没有水",
            "断水",
            "水压",
            "食水",
            "自来水",
            "供水",
            "水泵",
            "水箱",
            "咸水",
            "总水管",
            "制水",
        ),
    ),
    Facility(
        "power",
        Scope.BUILDING,
        (
            "power",
            "electricity",
            "blackout",
            "power cut",
            "power failure",
            "power outage",
            "no electricity",
            "main power supply",
        ),
        ("停电", "冇电", "没电", "没有电", "断电", "供电", "电力", "电源", "跳掣", "跳闸", "总掣", "总电源"),
    ),
    Facility("gas", Scope.BUILDING, ("gas", "towngas", "gas supply"), ("煤气", "燃气", "石油气", "天然气")),
    Facility(
        "drainage",
        Scope.BUILDING,
        ("drain", "drainage", "sewage", "sewer", "blocked pipe", "manhole"),
        ("渠", "淤塞", "排水", "下水道", "污水", "去水", "沙井", "倒灌"),
    ),
    Facility(
        "leak",
        Scope.BUILDING,
        ("leak", "leaking", "seepage", "dripping"),
        ("漏水", "渗水", "滴水", "水渍"),
    ),
    Facility(
        "fire-safety",
        Scope.BUILDING,
        ("fire alarm", "smoke detector", "sprinkler", "fire door", "fire hose", "fire exit", "fire extinguisher"),
        ("火警钟", "火警", "消防", "烟雾感应", "走火通道", "防火门", "灭火筒", "灭火器"),
    ),
    Facility(
        "access",
        Scope.BUILDING,
        ("door access", "access card", "intercom", "entrance door", "lobby door", "card reader"),
        ("门禁", "对讲机", "大堂门", "拍卡", "门卡"),
    ),
    Facility(
        "gate",
        Scope.ESTATE,
        ("main gate", "estate gate", "gate", "barrier", "boom gate", "turnstile"),
        ("大闸", "闸口", "闸门", "正门", "道闸", "栏杆"),
    ),
    Facility(
        "car-park",
        Scope.ESTATE,
        ("car park", "carpark", "parking", "parking space", "car parking"),
        ("停车场", "车场", "车位", "泊车", "停车"),
    ),
    Facility("lighting", Scope.BUILDING, ("light", "lighting", "lamp", "bulb"), ("灯", "照明")),
    Facility(
        "air-conditioning",
        Scope.BUILDING,
        ("air-con", "aircon", "air conditioning", "air conditioner"),
        ("冷气", "空调"),
    ),
    Facility(
        "refuse",
        Scope.BUILDING,
        ("rubbish", "garbage", "trash", "refuse", "litter"),
        ("垃圾", "垃圾房", "垃圾桶"),
    ),
    Facility(
        "pest", Scope.BUILDING, ("rat", "rodent", "cockroach", "mosquito", "pest"), ("老鼠", "蟑螂", "曱甴", "蚊")
    ),
)

# Words that make a utility complaint estate-wide (the main supply, not one block's).
ESTATE_WIDE = re.compile(
    r"\b(?:whole|entire|all of the|all the)\s+(?:estate|development|complex|blocks|buildings)\b|\ball blocks\b"
    r"|\bevery block\b|\bmain power supply\b|\bwater mains?\b|\bmain supply\b"
    r"|全苑|全屋苑|成个屋苑|整个屋苑|全个屋苑|整个小区|全小区|成个小区|全部大厦|所有大厦|每座|各座|总电源|总掣|总水管"
)
UTILITIES = {"power", "water", "gas"}


@dataclass(frozen=True)
class Found:
    """The facility recognised, where, and the words that named it (as written, canonical script)."""

    facility: Facility
    field: str
    words: str
    scope: Scope
    scope_words: str = ""


@cache
def _patterns() -> tuple[tuple[Facility, re.Pattern[str]], ...]:
    compiled = []
    for facility in FACILITIES:
        english = "|".join(re.escape(w) for w in sorted(facility.english, key=len, reverse=True))
        chinese = "|".join(re.escape(w) for w in sorted(facility.chinese, key=len, reverse=True))
        compiled.append((facility, re.compile(rf"\b(?:{english})(?:s|es)?\b|{chinese}")))
    return tuple(compiled)


def facility_of(form: dict[str, Any]) -> Found | None:
    """The facility a complaint is about, from its object, else its description; None if none is named."""
    texts = {field: canonical(str(form.get(field, ""))) for field in ("object", "description")}
    for field, text in texts.items():
        hits = [
            (m.start(), -len(m.group()), n, f, m.group())
            for n, (f, p) in enumerate(_patterns())
            for m in p.finditer(text)
        ]
        if not hits:
            continue
        _, _, _, facility, words = min(hits)
        words = _as_written(str(form.get(field, "")), words)
        scope, scope_words = facility.scope, ""
        if facility.name in UTILITIES:
            wide = next((w for w in map(ESTATE_WIDE.search, texts.values()) if w), None)
            if wide:
                scope, scope_words = Scope.ESTATE, wide.group()
        return Found(facility, field, words, scope, scope_words)
    return None


def _as_written(original: str, words: str) -> str:
    """The complaint's own characters for the canonical words found (𨋢, not OpenCC's 䢂)."""
    size = len(words)
    for start in range(max(len(original) - size + 1, 0)):
        if canonical(original[start : start + size]) == words:
            return original[start : start + size]
    return words
