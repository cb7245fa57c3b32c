"""Chinese numerals, read once for every module that meets them: counts (十幾戶, 二十多個業主), dates
(五月廿三號) and address labels (第三座, 十二樓).

Why not a library: cn2an 0.5.24 (tried) reads 十二, 廿 and 一百二十, but refuses 十幾, 二十多 and 第三,
which complaints write; callers would strip them first, so its wrapper would be as long as this table,
and it brings a dependency (proces) for a job of thirty lines.
"""

from __future__ import annotations

_DIGITS = {
    "零": 0,
    "\u3007": 0,  # 〇  # noqa: RUF003
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100}
# Every character that can be part of a Chinese number (廿 is 二十).
NUMERAL_CHARS = frozenset(_DIGITS) | frozenset(_UNITS) | {"廿"}


def chinese_int(written: str, label: bool = False) -> int | None:
    """'十二' → 12, '二十' → 20, '廿三' → 23, '一百二十' → 120, '三' → 3, ASCII digits as they are; None
    when it is not a number. Digits without a unit are a label read in place when `label` ('〇三座',
    '一二樓' → 3, 12), else a rough count, the larger ('三四戶' is three or four → 4)."""
    if not written:
        return None
    if written.isascii() and written.isdigit():
        return int(written)
    if any(c not in NUMERAL_CHARS for c in written):
        return None
    written = written.replace("廿", "二十")
    if not any(c in _UNITS for c in written):
        digits = [_DIGITS[c] for c in written]
        return int("".join(map(str, digits))) if label else max(digits)
    value = current = 0
    for c in written:
        if c in _UNITS:
            value += (current or 1) * _UNITS[c]
            current = 0
        else:
            current = _DIGITS[c]
    return value + current
