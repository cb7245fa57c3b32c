"""Sealing and opening a complainant's personal data through the keyring (shared/keyring.py).

Intake seals every field of a form that identifies the complainant before anything is stored or
published; the services whose people need the clear text open it at read or send time. Opening
never fails: an erased person's data reads as the `ERASED` marker.

The form's free texts (object, description, request; a hotline call's summary) travel with the
complainant's identifiers and any phone or e-mail replaced by placeholders (shared/redaction.py);
the texts as typed are sealed with the person (`PersonalData.originals`). Only the office's own staff
read them (`open_form(..., original_text=True)`); triage and everyone else read the redacted text.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from pydantic import BaseModel

from .contracts import PersonalData, RegistrationForm, SealedForm, SealedPersonal
from .contracts.hotline import HotlineCallRecord, HotlineComplaintReportedPayload
from .contracts.intake import OriginalTexts, legacy_person_id, names_nobody
from .keyring import Keyring, SealBroken
from .redaction import Identifiers, redact

ERASED = "[erased]"  # what an erased person's name, contact and unit read as, everywhere
MASKED = "[personal data]"  # what a role that does not need personal data sees
ERASED_DATA = PersonalData(name=ERASED, contact=ERASED, unit_address=ERASED)
MASKED_DATA = PersonalData(name=MASKED, contact=MASKED, unit_address=MASKED)


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def identifying_facts(data: PersonalData) -> list[tuple[str, str]]:
    """The normalised facts the keyring recognises a person by, the contact first: a phone's
    digits (the last eight: with or without +852 / 86 they agree) or a lower-case e-mail, then the
    name with the unit."""
    return facts_of(data.name, data.contact, data.unit_address)


def facts_of(name: str | None, contact: str | None, unit: str | None) -> list[tuple[str, str]]:
    """`identifying_facts` of what is known: a blank contact, a name without its unit, or a name that names
    nobody ("Anonymous", "匿名": `names_nobody`) recognises nobody: such a complainant is a person of their own."""
    facts = []
    if contact and _plain(contact):
        facts.append(contact_fact(contact))
    if name and unit and not names_nobody(name) and _plain(unit):  # "Anonymous" of 12/F is nobody in particular
        facts.append(("name+unit", f"{_plain(name)}|{_plain(unit)}"))
    return facts


def contact_fact(contact: str) -> tuple[str, str]:
    """A phone's digits (the last eight) or a lower-case e-mail, as the blind index holds them."""
    contact = _plain(contact)
    if "@" in contact:
        return ("email", contact)
    digits = re.sub(r"\D", "", contact)
    return ("phone", digits[-8:] if len(digits) >= 8 else digits or contact)


def search_facts(data: PersonalData) -> list[tuple[str, str]]:
    """What staff may find a person by besides `identifying_facts`: the name alone, the unit alone
    (normalised; shared by many people, so never used to recognise one), and each part of the unit
    (`unit_parts`: '18' and 'a室' of '18A室')."""
    parts = [("unit-part", part) for part in unit_parts(data.unit_address)]
    return [("name", _plain(data.name)), ("unit", _plain(data.unit_address)), *parts]


# A unit's words ("Block 3, 18/F, Flat A", "3座18樓A室", "18A室") are cut into segments — a run of
# digits, a run of letters, one Chinese character — and a part is a run of up to `UNIT_PART_SEGMENTS`
# neighbouring segments of one word: "18a室" gives 18, a, 室, 18a, a室, 18a室. The keyring holds each part
# as a keyed digest (a blind index finds only what was indexed whole), so typing a part finds the unit.
UNIT_PART_SEGMENTS = 4
UNIT_PARTS_MAX = 64  # a long address gives at most this many parts
_UNIT_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SEGMENT = re.compile(r"\d+|[^\W\d_]+", re.UNICODE)


def _segments(word: str) -> list[str]:
    """Digit runs, letter runs, and each Chinese character on its own."""
    found: list[str] = []
    for run in _SEGMENT.findall(word):
        cjk = [ch for ch in run if 0x3400 <= ord(ch) <= 0x9FFF or 0xF900 <= ord(ch) <= 0xFAFF]
        found.extend(run if cjk else [run])  # a Chinese run: one segment per character
    return found


def unit_parts(unit: str | None) -> list[str]:
    """The parts of a unit a person may type to find it (normalised as `_plain`), in order, each once."""
    parts: dict[str, None] = {}
    for word in _UNIT_WORD.findall(_plain(unit or "")):
        segments = _segments(word)
        for start in range(len(segments)):
            for end in range(start + 1, min(start + UNIT_PART_SEGMENTS, len(segments)) + 1):
                parts.setdefault("".join(segments[start:end]))
    return list(parts)[:UNIT_PARTS_MAX]


def typed_unit_parts(typed: str) -> list[list[tuple[str, str]]]:
    """A typed search as parts of a unit, one list of facts per typed word (every word must be a part
    of the same unit): "18" finds 18A and 18B, "A室" finds 18A室, "18/F" asks for 18 and f."""
    return [[("unit-part", word)] for word in _UNIT_WORD.findall(_plain(typed))][:8]


def searched_facts(typed: str) -> list[tuple[str, str]]:
    """The facts a typed search may name a person by, normalised as `identifying_facts` does: the
    text as a whole phone number or e-mail address, or as a name followed by its unit (every split
    of its words). Looked up in the keyring's blind index: only an exact fact finds a person."""
    text = _plain(typed)
    if not text:
        return []
    if "@" in text:
        return [("email", text)]
    digits = re.sub(r"\D", "", text)
    facts = [("phone", digits[-8:])] if len(digits) >= 8 and not re.search(r"[^\d\s\-+().]", text) else []
    words = text.split()
    facts += [("name+unit", f"{' '.join(words[:i])}|{' '.join(words[i:])}") for i in range(1, min(len(words), 8))]
    return facts


def typed_name_or_unit(typed: str) -> list[tuple[str, str]]:
    """A typed search as a whole name or a whole unit, normalised as `search_facts` stores them."""
    text = _plain(typed)
    return [("name", text), ("unit", text)] if text else []


def personal_data(form: RegistrationForm) -> PersonalData:
    return PersonalData(name=form.complainant.name, contact=form.complainant.contact, unit_address=form.unit_address)


def seal_personal(data: PersonalData, keyring: Keyring, now: datetime) -> SealedPersonal:
    person_id = keyring.person(identifying_facts(data), now, search=search_facts(data))  # one commit
    # Without originals the sealed JSON is what it was before free texts were redacted.
    sealed = keyring.seal(person_id, data.model_dump(mode="json", exclude_none=True))
    return SealedPersonal(person_id=person_id, sealed=sealed)


FORM_TEXTS = ("object", "description", "customer_request")  # a form's free texts, redacted in clear


def identifiers(data: PersonalData) -> Identifiers:
    return Identifiers(name=data.name, contact=data.contact, unit=data.unit_address)


def redacted_texts(texts: dict[str, str], data: PersonalData, limits: dict[str, int]) -> dict[str, str]:
    """Each text with the person's identifiers (and any phone or e-mail) as placeholders; cut to its
    field's limit with "…" in the rare case a placeholder made it longer (the original is sealed)."""
    person = identifiers(data)
    out = {}
    for field, text in texts.items():
        clean = redact(text, person)
        out[field] = clean if len(clean) <= limits[field] else clean[: limits[field] - 1] + "…"
    return out


def _limits(model: type[BaseModel], fields: tuple[str, ...]) -> dict[str, int]:
    return {f: next(m.max_length for m in model.model_fields[f].metadata if hasattr(m, "max_length")) for f in fields}


def seal_form(form: RegistrationForm, keyring: Keyring, now: datetime) -> SealedForm:
    """The form with the complainant's name, contact and unit sealed under their own data key, and
    its free texts redacted (the texts as typed sealed with them, where redaction changed them)."""
    data = personal_data(form)
    texts = {f: str(getattr(form, f)) for f in FORM_TEXTS}
    clean = redacted_texts(texts, data, _limits(SealedForm, FORM_TEXTS))
    changed = {f: texts[f] for f in FORM_TEXTS if clean[f] != texts[f]}
    data = data.model_copy(update={"originals": OriginalTexts(**changed) if changed else None})
    return SealedForm.of(form.model_copy(update=clean), seal_personal(data, keyring, now))


def seal_call(call: HotlineCallRecord, keyring: Keyring, now: datetime) -> HotlineComplaintReportedPayload:
    """A hotline call as intake stores and publishes it: the caller sealed, the summary redacted
    (the summary as said sealed with the caller, where redaction changed it)."""
    data = call.personal_data()
    clean = redacted_texts({"summary": call.summary}, data, _limits(HotlineComplaintReportedPayload, ("summary",)))
    if clean["summary"] != call.summary:
        data = data.model_copy(update={"originals": OriginalTexts(summary=call.summary)})
    return call.model_copy(update=clean).report(seal_personal(data, keyring, now))


def open_personal(personal: SealedPersonal, keyring: Keyring | None) -> PersonalData:
    """The clear personal data, `ERASED_DATA` once the person is erased, `MASKED_DATA` without a keyring."""
    if personal.legacy_clear is not None:
        return personal.legacy_clear
    if keyring is None:
        return MASKED_DATA
    try:
        data = keyring.unseal(personal.person_id, personal.sealed)
    except SealBroken:
        return ERASED_DATA  # a ciphertext that no longer opens reads as erased, never as an error
    return ERASED_DATA if data is None else PersonalData.model_validate(data)


def open_form(form: SealedForm, keyring: Keyring | None, *, original_text: bool = False) -> RegistrationForm:
    """The form with the complainant opened (markers where the data is erased or withheld) and its
    free texts redacted; with `original_text`, the texts as the office typed them (for its own staff:
    never for what quotes the texts onward, such as triage's reasons)."""
    data = open_personal(form.personal, keyring)
    opened = form.opened(data)
    if original_text and data.originals is not None:
        typed = {f: v for f in FORM_TEXTS if (v := getattr(data.originals, f)) is not None}
        opened = opened.model_copy(update=typed)
    return opened


def original_texts(personal: SealedPersonal, keyring: Keyring | None) -> dict[str, str]:
    """The free texts as typed that redaction changed, opened (none once the person is erased)."""
    originals = open_personal(personal, keyring).originals
    return {} if originals is None else originals.model_dump(exclude_none=True)


def clear_form(form: RegistrationForm) -> SealedForm:
    """The form as an event published before sealing reads (v1, upcast): personal data in clear.
    Intake never writes one now; tests of services that need no keyring build their events with it."""
    data = personal_data(form)
    known_by = data.contact or f"{data.name}|{data.unit_address}"  # no contact given: the name and unit
    return SealedForm.of(form, SealedPersonal(person_id=legacy_person_id(known_by), legacy_clear=data))
