"""Who the complainant is, without keeping who they are: identity keys are salted HMACs of
normalised facts, so triage's events never hold a name, a phone number or a flat in clear.

    phone       the phone number in E.164 (+852 / 852 / 00852 / spaces / dashes all agree)
    email       the e-mail address, lower-cased
    name+unit   the full name (in one script) and the flat (estate, block, floor, flat)
    name        the full name alone: only ever a *possible* match

The same phone, e-mail, or name and flat is the same person (a match, with the fields that matched).
The same name with another flat and another phone is shown as a possible match, never asserted.
Names are not romanised: "Chan Tai Man" and "陳大文" are different names here (no table can say
they are one person), but "Chan Tai Man", "CHAN Tai-man" and "Tai Man Chan" are one, and so are
"陳大文" and "陈大文". A surname with a title ("Mr Chan", "陳生") identifies nobody, nor does a role
written for a name ("業主").
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers

from shared.contracts.intake import names_nobody

from .places import parse_address
from .script import canonical


class Evidence(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    NAME_AND_UNIT = "name+unit"
    NAME = "name"


CONFIRMING = (Evidence.PHONE, Evidence.EMAIL, Evidence.NAME_AND_UNIT)

_TITLES_EN = {"mr", "mrs", "ms", "miss", "mdm", "madam", "dr", "sir", "mister", "prof"}
# Words receptionists write when no name was given: they name a role, not a person.
_PLACEHOLDERS_EN = {"owner", "resident", "tenant", "customer", "anonymous", "unknown", "occupant", "na", "nil"}
_PLACEHOLDERS_ZH = {"业主", "住户", "租客", "居民", "客户", "匿名", "不详", "未知", "街坊", "用户", "顾客"}
_TITLES_ZH = ("先生", "小姐", "太太", "女士", "姑娘", "师傅", "老板", "生", "太", "姐", "伯", "婆")
_CJK = r"\u3400-\u9fff\U00020000-\U0002ffff"


def normalise_phone(contact: str) -> str | None:
    """E.164 for a Hong Kong or mainland number, else its digits; None for an e-mail or no digits."""
    text = unicodedata.normalize("NFKC", contact).strip()
    if "@" in text:
        return None
    text = re.sub(r"^00", "+", re.sub(r"[^\d+]", "", text))
    for region in ("HK", "CN"):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = re.sub(r"\D", "", text)
    return digits or None


def normalise_email(contact: str) -> str | None:
    text = contact.strip().lower()
    return text if "@" in text else None


def name_forms(name: str) -> list[str]:
    """The full name in each script it is written in: Latin words sorted (order and case do not
    matter), Chinese characters as one word in Simplified. A surname alone (with or without a
    title) is not a name that identifies anyone: it gives nothing."""
    text = canonical(name)
    forms: list[str] = []
    latin = [w for w in re.findall(r"[a-z]+", text) if w not in _TITLES_EN | _PLACEHOLDERS_EN]
    if len(latin) >= 2:
        forms.append("latin:" + " ".join(sorted(latin)))
    chinese = "".join(re.findall(f"[{_CJK}]+", text))
    for title in _TITLES_ZH:
        if chinese.endswith(title) and len(chinese) - len(title) >= 1:
            chinese = chinese[: -len(title)]
            break
    if len(chinese) >= 2 and chinese not in _PLACEHOLDERS_ZH:
        forms.append("chinese:" + chinese)
    return forms


@dataclass(frozen=True)
class IdentityKey:
    evidence: Evidence
    key: str


def _hmac(salt: str, kind: str, value: str) -> str:
    return hmac.new(salt.encode(), f"{kind}|{value}".encode(), hashlib.sha256).hexdigest()


def identity_keys(name: str, contact: str | None, unit_address: str, salt: str) -> list[IdentityKey]:
    """Every key the complainant can be recognised by, confirming ones first. The first key is the
    complainant's primary key (their contact). A complainant who gave no contact and a name that names
    nobody ("Anonymous", "匿名") has no key at all: nothing links them to anyone."""
    keys: list[IdentityKey] = []
    phone, email = (normalise_phone(contact), normalise_email(contact)) if contact is not None else (None, None)
    if phone:
        keys.append(IdentityKey(Evidence.PHONE, _hmac(salt, "phone", phone)))
    elif email:
        keys.append(IdentityKey(Evidence.EMAIL, _hmac(salt, "email", email)))
    elif contact is not None:
        keys.append(IdentityKey(Evidence.PHONE, _hmac(salt, "contact", canonical(contact))))
    if names_nobody(name):
        return keys
    unit = parse_address(unit_address).unit
    forms = name_forms(name)
    if unit:
        keys += [IdentityKey(Evidence.NAME_AND_UNIT, _hmac(salt, "name+unit", f"{f}|{unit}")) for f in forms]
    keys += [IdentityKey(Evidence.NAME, _hmac(salt, "name", f)) for f in forms]
    return keys


@dataclass(frozen=True)
class Match:
    """An earlier complaint of (possibly) the same person, and the fields that say so."""

    complaint_id: str
    matched_on: tuple[str, ...]

    @property
    def confirmed(self) -> bool:
        return any(e in CONFIRMING for e in self.matched_on)


def recognise(earlier: dict[IdentityKey, list[str]], excluding: str) -> tuple[list[Match], list[Match]]:
    """From the earlier complaints noted under each key, the matches (same phone, e-mail, or name
    and flat) and the possible matches (the same name only), oldest first as noted."""
    fields: dict[str, set[str]] = {}
    order: list[str] = []
    for key, complaint_ids in earlier.items():
        for complaint_id in complaint_ids:
            if complaint_id == excluding:
                continue
            if complaint_id not in fields:
                fields[complaint_id] = set()
                order.append(complaint_id)
            fields[complaint_id].add(key.evidence.value)
    ranked = [e.value for e in Evidence]
    matches = [Match(c, tuple(sorted(fields[c], key=ranked.index))) for c in order]
    return [m for m in matches if m.confirmed], [m for m in matches if not m.confirmed]
