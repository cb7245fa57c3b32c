"""The things a complaint is about: the facilities and utilities of an estate (lift, water, power, gas,
drainage, fire safety, access, the gate, the car park, ...) and the words people name them by, in
English, Simplified Chinese and written Cantonese.

One vocabulary, read by two services: triage keys an incident by the facility a complaint names
(`services/triage/domain/facilities.py`), and the projection's search asks for every word of a facility
when one of them is typed (`services/projection/domain/search.py`: "lift" finds 𨋢, 升降機, elevator).
A word added here is a word both read; triage's incident keys change with it.

Each Chinese word is listed once, in Simplified (the one script every reader compares in: Traditional
and Hong Kong forms meet there through OpenCC `t2s`, which each reader applies itself, so this module
stays pure); a Cantonese-only character is listed as written and as OpenCC writes it (𨋢 and 䢂).
English words match as whole words, with a plural (s, es).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Final


class Scope(StrEnum):
    BUILDING = "building"  # one block's lifts, one block's water
    ESTATE = "estate"  # the estate's main power supply, water mains, car park, gate


@dataclass(frozen=True)
class Facility:
    name: str
    scope: Scope
    english: tuple[str, ...]
    chinese: tuple[str, ...]  # Simplified (canonical) forms, Cantonese included

    @property
    def words(self) -> tuple[str, ...]:
        return self.english + self.chinese


# Order matters only for ties (same position, same length).
FACILITIES: Final[tuple[Facility, ...]] = (
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


@dataclass(frozen=True)
class Naming:
    """Where a text names a facility: its span and the words that name it (as in the text)."""

    start: int
    end: int
    facility: Facility
    words: str


@cache
def _patterns() -> tuple[tuple[Facility, re.Pattern[str]], ...]:
    compiled = []
    for facility in FACILITIES:
        english = "|".join(re.escape(w) for w in sorted(facility.english, key=len, reverse=True))
        chinese = "|".join(re.escape(w) for w in sorted(facility.chinese, key=len, reverse=True))
        compiled.append((facility, re.compile(rf"\b(?:{english})(?:s|es)?\b|{chinese}")))
    return tuple(compiled)


def namings(text: str) -> list[Naming]:
    """Every facility `text` names, in order and without overlap: at one position the longer words win,
    then the facility listed first. `text` is already in the vocabulary's script (Simplified, lower case:
    the reader's own canonical form); the first naming is the one a complaint is about."""
    hits = sorted(
        ((m.start(), -len(m.group()), n, facility, m.group())
         for n, (facility, pattern) in enumerate(_patterns())
         for m in pattern.finditer(text)),
        key=lambda hit: hit[:3],
    )  # fmt: skip
    found: list[Naming] = []
    for start, minus_length, _, facility, words in hits:
        if not found or start >= found[-1].end:
            found.append(Naming(start, start - minus_length, facility, words))
    return found
