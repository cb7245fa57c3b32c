"""shared/redaction.py: the complainant's identifiers, and any phone or e-mail, leave free text; the rest stays."""

from __future__ import annotations

import re

import opencc
import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shared.redaction import EMAIL, NAME, PHONE, UNIT, Identifiers, redact

PERSON = Identifiers("Lau Wing Sze", "+852 6543 2109", "Flat 7D, 23/F, Tower 5, Sunrise Court")
CHINESE = Identifiers("陳大文", "chan.tm@example.com", "太古城 3座 12樓B室")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ms LAU Wing-sze phoned", f"Ms {NAME} phoned"),
        ("Wing Sze phoned; Ms Lau and Mr Sze did not", f"{NAME} phoned; Ms Lau and Mr Sze did not"),
        ("Wing Sze Lau called; call back on 6543-2109", f"{NAME} called; call back on {PHONE}"),
        ("tel:(852)65432109 / +852 6543 2109 / 0085265432109", f"tel:{PHONE} / {PHONE} / {PHONE}"),
        ("lives at Flat 7D, 23/F, Tower 5, Sunrise Court.", f"lives at {UNIT}."),
        ("water from 7D, 23/F into the lobby of Tower 5", f"water from {UNIT} into the lobby of Tower 5"),
        ("flat 7d floods; 7D again", f"{UNIT} floods; {UNIT} again"),
        ("her son 9123 4567 or son@mail.example.org", f"her son {PHONE} or {EMAIL}"),
        ("mainland +86 138 1234 5678", f"mainland {PHONE}"),
    ],
)
def test_the_persons_identifiers_become_placeholders(text: str, expected: str) -> None:
    assert redact(text, PERSON) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("陈大文住在12楼B室", f"{NAME}住在{UNIT}"),
        ("陳 大 文說 12/F Flat B 漏水\uff0c12B 也是", f"{NAME}說 {UNIT} 漏水\uff0c{UNIT} 也是"),
        ("請電郵 CHAN.TM@EXAMPLE.COM", f"請電郵 {EMAIL}"),
        ("太古城3座12樓B室的住客", f"{UNIT}的住客"),
    ],
)
def test_chinese_names_and_flats_in_either_script(text: str, expected: str) -> None:
    assert redact(text, CHINESE) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Lift B in Block 3 stopped between the 9th and 10th floors at about 07:40 with two residents inside.",
        "Quoting hotline report HL-98765432 and KE-2024-000731 as asked.",
        "Compensation of HK$12,345,678 on 2026-11-30; order 1234567890123.",
        "Tower 5 lobby, 23/F corridor, Sunrise Court car park",
        "大堂的升降機壞了\uff0c住客被困三十五分鐘。",
        "Mr Wing's dog",
    ],
)
def test_text_without_identifiers_is_unchanged(text: str) -> None:
    assert redact(text, PERSON) == text


# -- properties ------------------------------------------------------------------------------------

_separators = st.sampled_from(["", " ", "-", ".", "  "])
_before = st.sampled_from(["", "call ", "Tel: ", "\uff0c电话", "(", "she can be reached at "])
_after = st.sampled_from(["", " now", ".", "。", ")", "\uff0c谢谢", " or later"])


@settings(max_examples=200, deadline=None)
@given(
    first=st.sampled_from("569"),
    rest=st.text(alphabet="0123456789", min_size=7, max_size=7),
    prefix=st.sampled_from(["", "+852", "+852 ", "852 ", "(852) ", "00852 ", "+852-", "+ 852 "]),
    cuts=st.lists(st.integers(1, 7), max_size=3, unique=True),
    separator=_separators,
    before=_before,
    after=_after,
    as_contact=st.booleans(),
)
def test_any_spelling_of_the_phone_never_survives(
    first: str, rest: str, prefix: str, cuts: list[int], separator: str, before: str, after: str, as_contact: bool
) -> None:
    digits = first + rest
    # Another's number is found when it is a valid one; the complainant's own, however it looks.
    assume(as_contact or phonenumbers.is_valid_number(phonenumbers.parse("+852" + digits)))
    written = "".join(d + (separator if i + 1 in cuts else "") for i, d in enumerate(digits))
    person = Identifiers("Lau Wing Sze", f"+852 {digits}" if as_contact else "lau@example.com", "Flat 7D")
    out = redact(f"{before}{prefix}{written}{after}", person)
    assert digits not in re.sub(r"\D", "", out), out
    assert PHONE in out


_latin_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8)


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(_latin_word, min_size=1, max_size=3, unique=True),
    order=st.randoms(use_true_random=False),
    cases=st.lists(st.booleans(), min_size=30, max_size=30),
    separator=st.sampled_from([" ", "-", ", ", "  ", ""]),
    before=st.sampled_from(["", "Mr ", "客人 ", "(", "Dear "]),
    after=st.sampled_from(["", " says", "。", ")", ", of the 3rd floor"]),
)
def test_the_name_in_any_case_or_order_never_survives(
    words: list[str], order: object, cases: list[bool], separator: str, before: str, after: str
) -> None:
    name = " ".join(words)
    assume(len(name.replace(" ", "")) >= 2)
    shuffled = list(words)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    written = separator.join(shuffled)
    written = "".join(c.upper() if cases[i % 30] else c for i, c in enumerate(written))
    out = redact(f"{before}{written}{after}", Identifiers(name, "+852 6543 2109", "Flat 7D"))
    assert NAME in out, out
    # what is left beside the placeholder and the fixed context (whose own words may hold a short
    # name's letters: "he" in "the") carries nothing of the name
    left = out.replace(NAME, "|").replace(after, "|", 1).replace(before, "|", 1)
    assert "".join(shuffled) not in re.sub(r"[^a-z]", "", left.lower()), out


_to_simplified, _to_traditional = opencc.OpenCC("t2s"), opencc.OpenCC("s2hk")


@settings(max_examples=100, deadline=None)
@given(
    name=st.text(alphabet="陳陈大文張张偉伟黃黄麗丽華华劉刘嘉玲", min_size=2, max_size=4),
    script=st.sampled_from(["as-is", "simplified", "traditional"]),
    spaced=st.booleans(),
    before=st.sampled_from(["", "住客", "Mr "]),
    after=st.sampled_from(["", "投訴", "说"]),
)
def test_a_chinese_name_in_either_script_never_survives(
    name: str, script: str, spaced: bool, before: str, after: str
) -> None:
    written = {"as-is": name, "simplified": _to_simplified.convert(name), "traditional": _to_traditional.convert(name)}
    text = " ".join(written[script]) if spaced else written[script]
    out = redact(f"{before}{text}{after}", Identifiers(name, "+852 6543 2109", "Flat 7D"))
    simplified = _to_simplified.convert(name)
    assert simplified not in _to_simplified.convert(out.replace(" ", "")), out


@settings(max_examples=100, deadline=None)
@given(local=st.from_regex(r"[a-z][a-z0-9._]{0,10}[a-z0-9]", fullmatch=True), upper=st.booleans())
def test_the_email_in_any_case_never_survives(local: str, upper: bool) -> None:
    email = f"{local}@example.com.hk"
    written = email.upper() if upper else email
    out = redact(f"write to {written}, thanks", Identifiers("Lau Wing Sze", email, "Flat 7D"))
    assert out == f"write to {EMAIL}, thanks"


# No digit (a phone, a flat), no "@" (an e-mail), no "z" (the person's name is "Lau Wing Sze").
_plain_text = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyABCDEFGHIJKLMNOPQRSTUVWXY .,;:!?()-'\"\n")
        + list("升降機壞了住客大堂\uff0c。、電梯")
    ),
    max_size=200,
)


@settings(max_examples=300, deadline=None)
@given(text=_plain_text)
def test_text_without_identifiers_is_returned_unchanged(text: str) -> None:
    assert redact(text, PERSON) == text


_pieces = st.lists(
    st.sampled_from(
        [
            "Lau Wing Sze",
            "LAU wing-sze",
            "6543 2109",
            "+852 65432109",
            "Flat 7D",
            "7D, 23/F",
            "x@y.com",
            "9123 4567",
            " the lift ",
            "。",
            "[name]",
            "HL-98765432",
        ]
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(pieces=_pieces, glue=st.sampled_from([" ", ", ", "\n"]))
def test_redacting_twice_changes_nothing_and_leaves_no_identifier(pieces: list[str], glue: str) -> None:
    once = redact(glue.join(pieces), PERSON)
    assert redact(once, PERSON) == once
    assert "65432109" not in re.sub(r"\D", "", once)
    assert "wingsze" not in re.sub(r"[^a-z]", "", once.lower())


def test_neighbours_share_their_flats_compiled_patterns_and_keep_their_own_names() -> None:
    """A flat's patterns are compiled once a flat, not once a person (`_flat_compiled`): two people
    of the same flat in different blocks find the same compiled patterns, and each redaction still
    takes only its own person's name and whole unit."""
    from shared import redaction

    chan = Identifiers("Chan Tai Man", None, "Block 1, 12/F, Flat B, Harbour View Court")
    wong = Identifiers("Wong Siu Ming", None, "Block 2, 12/F, Flat B, Harbour View Court")
    text = "Chan Tai Man and Wong Siu Ming both live at 12/F, Flat B; see Block 1, 12/F, Flat B, Harbour View Court"
    assert redact(text, chan) == f"{NAME} and Wong Siu Ming both live at {UNIT}; see {UNIT}"
    assert redact(text, wong) == f"Chan Tai Man and {NAME} both live at {UNIT}; see Block 1, {UNIT}, Harbour View Court"
    chan_flat = [p for p, placeholder in redaction._patterns(chan) if placeholder == UNIT][1:]
    wong_flat = [p for p, placeholder in redaction._patterns(wong) if placeholder == UNIT][1:]
    assert chan_flat and all(a is b for a, b in zip(chan_flat, wong_flat, strict=True))
    assert [p.pattern for p in chan_flat] == redaction._flat_patterns("B", "12")
    assert all(p.flags & re.IGNORECASE for p in chan_flat)
