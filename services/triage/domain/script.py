"""One written form for Chinese text: Traditional, Hong Kong and Simplified characters become
Simplified (OpenCC `t2s`), full-width forms become ASCII (NFKC), letters lower-case.

Simplified is the canonical side because the mapping is many-to-one: two Traditional variants of one
character (裏/裡) meet in one Simplified character, so an estate or a name written in either script
gives one key. The converter is built once, on first use (nothing at import time).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import opencc

_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")
_SPACES_BETWEEN_CJK = re.compile(
    r"(?<=[\u3400-\u9fff\U00020000-\U0002ffff])\s+(?=[\u3400-\u9fff\U00020000-\U0002ffff])"
)


@cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional (and Hong Kong) characters as Simplified, nothing else changed: the one OpenCC
    converter of triage (names and addresses here, complaint texts in `text.py`)."""
    return str(_to_simplified().convert(text))


def canonical(text: str) -> str:
    """NFKC, Simplified, lower-case, single spaces, no spaces between Chinese characters."""
    text = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    text = " ".join(text.split())
    return _SPACES_BETWEEN_CJK.sub("", text)


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def has_latin(text: str) -> bool:
    return bool(re.search(r"[a-z]", text, re.IGNORECASE))
