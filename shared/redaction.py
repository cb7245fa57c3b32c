"""Free text with the complainant's identifiers taken out: what travels in clear beside the sealed form.

An office types the complaint's description, the customer's request and its object as people say
them: "Mr Chan Tai Man of Flat 12B says call him on 9123 4567". Intake seals the original texts
with the person's own key (shared/personal.py) and publishes and stores these texts with the
complainant's name, phone, e-mail and unit replaced by placeholders, and every other phone number
and e-mail address too, so that erasing the person leaves nothing in clear (docs/privacy.md).

Pure (no keyring, no I/O): `redact(text, Identifiers(name, contact, unit))`. What it finds:

- the name in any letter case or width, its words in any order (up to four words), separated by
  spaces, hyphens, commas or nothing; Chinese characters in Traditional, Hong Kong or Simplified form
  (OpenCC, one character at a time), spaces between them or not; a Latin and a Chinese name written
  together are also found apart; of a Latin name of three words or more, any two or more neighbouring
  words too ("Wing Sze", "Tai Man"), a single word never ("Mr Chan" stays);
- the phone in any spacing, with or without its country code (+852, 00852, (852), 852 …);
- the e-mail in any letter case; any other e-mail address (a standard address pattern);
- any other phone number libphonenumber finds valid for Hong Kong or the mainland, unless it is glued
  to a reference ("HL-98765432", "KE-2024-000731" stay: offices quote references in free text);
- the whole unit/address (case, spaces and commas aside), and its flat on its own: "Flat 12B",
  "12B", "12/F, Flat B", "12樓B室" … (a floor or block alone is a place many share, kept).

Text without any of these is returned unchanged, character for character.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import opencc
import phonenumbers

NAME, PHONE, EMAIL, UNIT = "[name]", "[phone]", "[e-mail]", "[unit]"
PLACEHOLDERS = (NAME, PHONE, EMAIL, UNIT)

EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")
_REGIONS = ("HK", "CN")  # the group's offices: Hong Kong and Shenzhen
_SEPARATOR = r"[\s\-,./]*"  # between a name's words: "Chan Tai-man", "CHAN, Tai Man", "ChanTaiMan"
_DIGIT_RUN = re.compile(r"(?:(?:\+|00)\s*)?(?:\(\s*)?\d[\d\s\-.()]*\d")  # what might be a phone number
_GLUE = re.compile(r"[A-Za-z0-9]|[A-Za-z0-9][\-_./]")  # a reference's characters next to a number
_FLAT_PREFIX = r"(?:flat|unit|room|rm|apt|apartment|suite|室)\.?\s*"
_LATIN_EDGE_BEFORE, _LATIN_EDGE_AFTER = r"(?<![A-Za-z0-9])", r"(?![A-Za-z0-9])"
# The text as the patterns read it: full-width letters, digits and signs as ASCII, the ideographic
# space as a space, ASCII letters in lower case. One character for one, so a place found in this view
# is the same place in the text (and no pattern needs IGNORECASE, whose classes are slow to compile).
_ASCII_VIEW = (
    {0xFF01 + i: 0x21 + i for i in range(0x5E)}
    | {0x3000: 0x20}
    | {ord(c): ord(c.lower()) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    | {0xFF21 + i: 0x61 + i for i in range(26)}  # full-width A..Z: straight to lower case
)


@dataclass(frozen=True)
class Identifiers:
    """The complainant's own identifiers, as the form has them."""

    name: str
    contact: str | None  # None: none was given
    unit: str


def redact(text: str, person: Identifiers) -> str:
    """`text` with the person's identifiers, and any phone number or e-mail address, as placeholders.
    Again until nothing changes: libphonenumber reads "6543 2109 9123 4567" as one (invalid) number,
    and finds "9123 4567" only once its neighbour is a placeholder."""
    for _ in range(4):
        spans = _spans(text, person)
        if not spans:
            return text
        out, at = [], 0
        for start, end, placeholder in spans:
            out += [text[at:start], placeholder]
            at = end
        out.append(text[at:])
        text = "".join(out)
    return text


def _spans(text: str, person: Identifiers) -> list[tuple[int, int, str]]:
    """Every identifier's place, overlaps merged (the earliest, longest one names the placeholder);
    never inside a placeholder already there, so redacting twice changes nothing."""
    text = text.translate(_ASCII_VIEW)
    kept = [(m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)]
    found: list[tuple[int, int, str]] = []
    for pattern, placeholder in _patterns(person):
        found += [(m.start(), m.end(), placeholder) for m in pattern.finditer(text) if m.end() > m.start()]
    found += [(m.start(), m.end(), EMAIL) for m in EMAIL_PATTERN.finditer(text)]
    found += [(start, end, PHONE) for start, end in _other_phones(text)]
    found = [f for f in found if not any(f[0] < k_end and k_start < f[1] for k_start, k_end in kept)]
    merged: list[tuple[int, int, str]] = []
    for start, end, placeholder in sorted(found, key=lambda f: (f[0], -f[1])):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, placeholder))
    return merged


def _other_phones(text: str) -> list[tuple[int, int]]:
    """Phone numbers libphonenumber finds valid, unless glued to a reference's letters or digits.
    The matcher reads only runs of digits that could be a number (seven digits or more): on the
    whole text it weighs every "9th" and "07:40", thirty times slower."""
    found = []
    for run in _DIGIT_RUN.finditer(text):
        if sum(c.isdigit() for c in run.group()) < 7:
            continue
        for region in _REGIONS:
            for match in phonenumbers.PhoneNumberMatcher(run.group(), region, leniency=phonenumbers.Leniency.VALID):
                start, end = run.start() + match.start, run.start() + match.end
                before, after = text[max(0, start - 2) : start], text[end : end + 2]
                if _GLUE.fullmatch(before[-1:]) or _GLUE.fullmatch(before) or _GLUE.match(after):
                    continue
                found.append((start, end))
    return found


def contacts_in(text: str) -> list[str]:
    """Every e-mail address and valid phone number written in `text` (as written), in order."""
    found = [(m.start(), m.group()) for m in EMAIL_PATTERN.finditer(text)]
    found += [(start, text[start:end]) for start, end in _other_phones(text)]
    return [contact for _, contact in sorted(found)]


# -- the person's own patterns (compiled once per person) --------------------------------------------


@lru_cache(maxsize=256)  # a registration's texts are redacted together: one compile per person, bounded
def _patterns(person: Identifiers) -> tuple[tuple[re.Pattern[str], str], ...]:
    patterns = [(p, NAME) for p in _name_patterns(person.name)]
    if person.contact:
        kind = PHONE if "@" not in person.contact else EMAIL
        patterns += [(p, kind) for p in _contact_patterns(person.contact)]
    patterns += [(p, UNIT) for p in _unit_patterns(person.unit)]
    return tuple(patterns)


def warm_in_background() -> None:
    """Load the Chinese script converters (about two seconds of CPU, once a process) in a thread of
    their own, so the first registration an HTTP app takes does not wait for them: that one request
    took seconds, the slowest of its run (`bench.system` latency)."""
    threading.Thread(target=_converters, name="redaction-warm-up", daemon=True).start()


@cache
def _converters() -> tuple[opencc.OpenCC, ...]:
    return tuple(opencc.OpenCC(c) for c in ("t2s", "s2t", "s2hk", "hk2s", "s2tw", "tw2s"))


@lru_cache(maxsize=8192)
def _char(c: str) -> str:
    """One character as the text's view has it (ASCII in lower case); a Chinese one as the class of
    its forms in both scripts."""
    c = c.translate(_ASCII_VIEW)
    if not _CJK.match(c):
        return re.escape(c)
    forms = {c} | {str(converter.convert(c)) for converter in _converters()}
    forms = {f for f in forms if len(f) == 1}
    return re.escape(c) if len(forms) == 1 else "[" + "".join(re.escape(f) for f in sorted(forms)) + "]"


def _word(word: str) -> str:
    """A word's pattern: its characters' classes; spaces allowed between Chinese characters."""
    out = _char(word[0])
    for before, c in itertools.pairwise(word):
        out += (r"\s*" if _CJK.match(before) and _CJK.match(c) else "") + _char(c)
    return out


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _words(text: str) -> list[str]:
    """A name's words: split at spaces and punctuation; Chinese characters stay one word."""
    return [w for w in re.split(r"[\s,.\-·・/]+", _plain(text)) if w]


def _sequence(words: list[str]) -> str:
    body = _SEPARATOR.join(_word(w) for w in words)
    # A Latin name is whole words ("Lau" is not found in "Laura"); digits or Chinese may touch it.
    latin_start, latin_end = not _CJK.match(words[0][0]), not _CJK.match(words[-1][-1])
    return (r"(?<![A-Za-z])" if latin_start else "") + body + (r"(?![A-Za-z])" if latin_end else "")


def _name_patterns(name: str) -> list[re.Pattern[str]]:
    words = _words(name)
    latin = [w for w in words if not _CJK.search(w)]
    chinese = [w for w in words if _CJK.search(w)]
    parts = {tuple(words), tuple(latin), tuple(chinese)}
    if len(latin) >= 3:  # "Wing Sze" of "Lau Wing Sze", "Chan Tai" of "Chan Tai Man": two words still name them
        parts |= {tuple(latin[i : i + n]) for n in range(2, len(latin)) for i in range(len(latin) - n + 1)}
    patterns = []
    for part in parts:
        if sum(len(w) for w in part) < 2:  # one letter or character is a word, not a name
            continue
        orders = itertools.permutations(part) if len(part) <= 4 else [part]
        alternatives = sorted({_sequence(list(order)) for order in orders}, key=len, reverse=True)
        patterns.append(re.compile("|".join(alternatives)))
    return patterns


def _contact_patterns(contact: str) -> list[re.Pattern[str]]:
    contact = _plain(contact)
    if "@" in contact:
        return [re.compile(re.escape(contact.translate(_ASCII_VIEW)))]
    country, national = _phone_parts(contact)
    if len(national) < 5:
        return []
    digits = r"[\s\-.()]*".join(national)
    prefix = rf"(?:(?:(?:\+|00)\s*)?(?:\(\s*)?{country}\s*\)?[\s\-.(]*)?" if country else ""
    return [re.compile(rf"(?<!\d){prefix}{digits}(?!\d)")]


def _phone_parts(contact: str) -> tuple[str, str]:
    """The country code and the national number's digits (libphonenumber's reading, else the digits)."""
    for region in _REGIONS:
        try:
            number = phonenumbers.parse(contact, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return str(number.country_code), str(number.national_number)
    return "", re.sub(r"\D", "", contact)


_FLAT_IN_UNIT = re.compile(
    rf"{_LATIN_EDGE_BEFORE}(?:flat|unit|room|rm|apt|apartment|suite)\.?\s*([0-9]{{1,4}}\s*-?\s*[A-Za-z]{{0,2}}|[A-Za-z]{{1,2}}\s*-?\s*[0-9]{{0,4}}){_LATIN_EDGE_AFTER}",
    re.IGNORECASE,
)
_FLOOR_IN_UNIT = re.compile(r"(?<![0-9])([0-9]{1,3})\s*/\s*F\b|([0-9]{1,3})\s*[樓楼層层]", re.IGNORECASE)
_CHINESE_FLAT_IN_UNIT = re.compile(r"([A-Za-z0-9]{1,4})\s*室")


def _unit_patterns(unit: str) -> list[re.Pattern[str]]:
    """The whole unit, and its flat on its own (with its floor when the flat's letter needs one)."""
    patterns = []
    words = _words(unit)
    if sum(len(w) for w in words) >= 3:
        patterns.append(re.compile(_sequence(words)))
    patterns += _flat_compiled(*_flat_and_floor(_plain(unit)))
    return patterns


@lru_cache(maxsize=1024)  # ~6 MiB: an estate's floors times its flats' letters
def _flat_compiled(flat: str | None, floor: str | None) -> tuple[re.Pattern[str], ...]:
    """A flat's patterns, compiled once a flat, not once a person: compiling them (case-insensitive)
    was half of intake's worker's CPU a registration, and many complainants share a flat's name
    ("Flat B, 12/F" in every block of an estate), unlike their own names. `re`'s own cache (512
    patterns for the whole process, every person's name patterns passing through it) kept none."""
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in _flat_patterns(flat, floor))


def _flat_and_floor(unit: str) -> tuple[str | None, str | None]:
    flat_match = _FLAT_IN_UNIT.search(unit) or _CHINESE_FLAT_IN_UNIT.search(unit)
    floor_match = _FLOOR_IN_UNIT.search(unit)
    flat = re.sub(r"[\s\-]", "", flat_match.group(1)).upper() if flat_match else None
    floor = (floor_match.group(1) or floor_match.group(2)) if floor_match else None
    return flat or None, floor


def _flat_patterns(flat: str | None, floor: str | None) -> list[str]:
    """ "Flat 12B" / "12B" / "12-B"; "12/F Flat B", "Flat B, 12/F", "12樓B室"; a bare number or
    letter only with its prefix ("Room 1203", "Flat B")."""
    if flat is None:
        return []
    split = re.fullmatch(r"([0-9]{1,3})([A-Z]{1,2})", flat)
    if floor is None and split:
        floor, letter = split.groups()
    else:
        letter = flat if flat.isalpha() else None

    def loose(ident: str) -> str:  # "12B" also as "12 B", "12-B"
        return r"\s*-?\s*".join(re.escape(part) for part in re.findall(r"[0-9]+|[A-Z]+", ident))

    edge_b, edge_a = _LATIN_EDGE_BEFORE, _LATIN_EDGE_AFTER
    patterns = [rf"{edge_b}{_FLAT_PREFIX}{loose(flat)}{edge_a}"]
    if re.search(r"[0-9]", flat) and re.search(r"[A-Z]", flat):
        patterns.append(rf"{edge_b}{loose(flat)}{edge_a}")  # "12B" alone: a flat's whole name
    if floor is not None and letter is not None:
        level = rf"(?<![0-9]){floor}\s*(?:/\s*F|F)\b"
        patterns += [
            rf"{level}[\s,]*(?:{_FLAT_PREFIX})?{letter}{edge_a}",  # 12/F B, 12/F, Flat B
            rf"{edge_b}{_FLAT_PREFIX}{letter}{edge_a}[\s,]*{level}",  # Flat B, 12/F
            rf"(?<![0-9]){floor}\s*[樓楼層层]\s*{letter}\s*[室號号]?",  # 12樓B室
            rf"{edge_b}{floor}\s*-?\s*{letter}{edge_a}",  # 12B
        ]
    if floor is not None and re.search(r"[A-Z]", flat):
        patterns.append(rf"{edge_b}{loose(flat)}{edge_a}[\s,]*{floor}\s*(?:/\s*F|F)\b")  # 7D, 23/F
    return patterns
