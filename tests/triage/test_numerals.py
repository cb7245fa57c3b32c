"""Chinese numerals as complaints and addresses write them (domain/numerals.py), read once for counts,
dates and address labels."""

from __future__ import annotations

import pytest

from services.triage.domain.numerals import chinese_int


@pytest.mark.parametrize(
    ("written", "value"),
    [("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("廿三", 23), ("兩", 2), ("一百二十", 120), ("12", 12)],
)
def test_numbers(written: str, value: int) -> None:
    assert chinese_int(written) == value


def test_digits_without_a_unit_are_a_rough_count_or_a_label() -> None:
    assert chinese_int("三四") == 4  # 三四戶: three or four households
    assert chinese_int("一二", label=True) == 12  # 一二樓: the 12th floor
    assert chinese_int("\u3007三", label=True) == 3  # 〇三座


@pytest.mark.parametrize("written", ["", "b", "十幾", "第三", "12a"])
def test_what_is_not_a_number(written: str) -> None:
    assert chinese_int(written) is None
