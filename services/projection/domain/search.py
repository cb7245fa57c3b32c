"""Search over complaints: the terms a complaint is found by, and the terms a query asks for.

A complaint is found by its office reference, its id, what it is about (object, description, customer
request) and, for those who may see personal data, its complainant's name, phone or e-mail and unit.
Each is reduced to exact *terms* that the read side indexes (`projection_search`), so a query is a few
indexed look-ups, bounded and paginated like every other list filter, never a scan of histories.

- Words are NFKC-normalised and case-folded; a run of Chinese characters gives each character and
  each pair of neighbours (a query of one or two characters, or a longer phrase as its pairs, finds it
  without a dictionary).
- A phone number is matched by its digits, typed with or without spaces, dashes, brackets or the
  country code (its last eight digits are a term too: Hong Kong and Shenzhen local numbers).
- Every query term must be found (AND), each in any field.
- Chinese is found whichever script it is typed in: a complaint's Chinese is indexed as written and as
  Simplified (OpenCC `t2s`, many-to-one), and a query word asks for itself and its Simplified form, so
  "电梯" finds "電梯" and "裡面" finds "裏面". Complaints indexed before their Simplified terms are
  reached through the query's Traditional and Hong Kong forms too (`script_variants`) until the read
  side refolds them.
- An English word of the complaint's texts is found by its other forms too ("lift", "lifts",
  "lifted", "lifting"): a word whose stem (Snowball's English stemmer) differs from it is indexed with
  `~stem` as well, and a query word asks for itself, `~` its stem and its bare stem. Complaints indexed
  before this are found by their words as written until the read side refolds them.

**`personal_terms` (a complaint's name, contact and unit → terms) and `personal_query` (a typed word →
the terms it asks for) are the one place where personal fields are matched.** A complainant sealed by
intake (docs/privacy.md) is indexed by no personal word at all, only by `person_term` of their person
id; a query finds them through the keyring's blind index (a phone number or an e-mail address typed
whole, or a name with its unit: `ProjectionApplication.complaints` asks the keyring which person that
is). An erased person's index rows are gone from the keyring, so nothing typed finds them again, and
the read side holds no word of theirs. (The read side stores every term as a keyed hash when the store
has a cipher: `ReadSide._term_key`.)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

import opencc
import snowballstemmer

from .view import ComplaintView

MAX_QUERY_TERMS = 8  # a query is at most this many indexed look-ups
LOCAL_DIGITS = 8  # Hong Kong and mainland local numbers: the digits after the country code
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_UUID = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")
_PHONE_TYPED = re.compile(r"^\+?[\d\s\-().]+$")


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FFFF


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _runs(word: str) -> Iterable[tuple[bool, str]]:
    """A word split into runs of Chinese characters and runs of everything else."""
    start = 0
    for i in range(1, len(word) + 1):
        if i == len(word) or _is_cjk(word[i]) != _is_cjk(word[start]):
            yield _is_cjk(word[start]), word[start:i]
            start = i


def text_terms(text: str | None) -> set[str]:
    """The terms a text is found by: its words, and each Chinese character and pair of characters, as
    written and as Simplified (the one form every script's query meets: Traditional 裏 and 裡 are
    both Simplified 里, while Simplified 里 is written 里, 裏 or 裡 by context)."""
    terms: set[str] = set()
    for word in _WORD.findall(_normal(text or "")):
        for cjk, run in _runs(word):
            if not cjk:
                terms.add(run)
                continue
            for form in dict.fromkeys((run, _simplified(run))):
                terms.update(form)
                terms.update(form[i : i + 2] for i in range(len(form) - 1))
    return terms


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)  # built on first use, once a process


def _simplified(run: str) -> str:
    """A run of Chinese characters as Simplified (OpenCC `t2s`); as written if that changes its length."""
    simplified = str(_converter("t2s").convert(run))
    return simplified if len(simplified) == len(run) else run


def script_variants(run: str) -> tuple[str, ...]:
    """A run of Chinese characters as typed, then as Simplified (what every complaint is indexed by
    too), Traditional and Hong Kong characters (for complaints indexed before their Simplified terms
    were), each of the same length so that their pairs line up; duplicates dropped."""
    simplified = _simplified(run)
    forms = [run, simplified, *(str(_converter(c).convert(simplified)) for c in ("s2t", "s2hk"))]
    return tuple(dict.fromkeys(f for f in forms if len(f) == len(run)))


STEM = "~"  # the prefix of a stem's term ("~lift" of "lifts"): no typed word starts with it


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")  # built on first use, once a process


@lru_cache(maxsize=65_536)  # ~0.1 ms a word in pure Python; a group's words repeat (bounded, not history)
def _english_stem(word: str) -> str | None:
    """The Snowball stem of an English word of three letters or more (None for anything else)."""
    if len(word) < 3 or not (word.isascii() and word.isalpha()):
        return None
    return str(_stemmer().stemWord(word))


def stem_terms(terms: Iterable[str]) -> set[str]:
    """The `~stem` terms a text's words are found by besides themselves (only where a stem differs)."""
    return {STEM + stem for t in terms if (stem := _english_stem(t)) is not None and stem != t}


def _stem_asks(word: str) -> tuple[str, ...]:
    """What an English query word asks for besides itself: `~` its stem (the stored form of every word
    with that stem but another spelling) and the bare stem (a word that is its own stem)."""
    stem = _english_stem(word)
    if stem is None:
        return ()
    return (STEM + stem,) if stem == word else (STEM + stem, stem)


def _query_words(text: str) -> list[tuple[str, ...]]:
    """A query's words, each with the forms it is found by (a Chinese run in every script); a Chinese
    run longer than two characters is asked for as its pairs."""
    asked: list[tuple[str, ...]] = []
    for word in _WORD.findall(_normal(text)):
        for cjk, run in _runs(word):
            if not cjk:
                asked.append((run,))
                continue
            forms = script_variants(run)
            if len(run) > 2:
                asked.extend(tuple(dict.fromkeys(f[i : i + 2] for f in forms)) for i in range(len(run) - 1))
            else:
                asked.append(forms)
    return list(dict.fromkeys(asked))


def phone_terms(contact: str | None) -> set[str]:
    """A contact that is a phone number: its digits, and its last eight (without the country code)."""
    text = unicodedata.normalize("NFKC", contact or "").strip()
    if not text or not _PHONE_TYPED.match(text):
        return set()
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < 4:
        return set()
    return {digits, digits[-LOCAL_DIGITS:]}


def personal_terms(name: str | None, contact: str | None, unit: str | None) -> set[str]:
    """The swap point for a blind index (see the module's docstring): the terms of a complainant's
    name, contact (a phone's digits, an e-mail address's words) and unit, when it is indexed."""
    terms = text_terms(name) | text_terms(unit) | phone_terms(contact)
    if contact and "@" in contact:
        terms |= text_terms(contact)
    return terms


def person_term(person_id: str) -> str:
    """The one personal term of a sealed complainant: their person id (opaque; the keyring's)."""
    return f"person:{person_id}"


def personal_query(word: str) -> set[str]:
    """The other half of the swap point: the personal terms one query word asks for (the word, or a
    phone number's digits)."""
    return {word} | phone_terms(word)


@dataclass(frozen=True)
class DocumentTerms:
    """A complaint's terms: `public` ones anyone who sees the complaint may search by, and `personal`
    ones only those who may see its personal data (its own office, auditors)."""

    public: frozenset[str]
    personal: frozenset[str]


def document_terms(
    *,
    complaint_id: str,
    office_reference: str | None,
    texts: Iterable[str | None],
    name: str | None,
    contact: str | None,
    unit: str | None,
) -> DocumentTerms:
    public = {complaint_id.casefold()}
    public |= text_terms(office_reference)
    for text in texts:
        words = text_terms(text)
        public |= words | stem_terms(words)
    return DocumentTerms(frozenset(public), frozenset(personal_terms(name, contact, unit) - public))


def complaint_terms(view: ComplaintView) -> DocumentTerms:
    """A complaint's terms, from its registration's form as the view folded it."""
    complainant = view.complainant or {}  # in clear only for complaints recorded before sealing
    terms = document_terms(
        complaint_id=str(view.complaint_id),
        office_reference=view.office_reference,
        texts=(view.object, view.description, view.customer_request),
        name=complainant.get("name"),
        contact=complainant.get("contact"),
        unit=view.unit_address,
    )
    person = view.person_id()
    return terms if person is None else DocumentTerms(terms.public, terms.personal | {person_term(person)})


@dataclass(frozen=True)
class QueryTerm:
    """One thing a query asks for: found when any of `public` (any field) or of `personal` (the
    complainant's fields, for those who may see them) is among the complaint's terms."""

    public: tuple[str, ...]
    personal: tuple[str, ...]


@dataclass(frozen=True)
class Query:
    """What a typed query asks for: every one of `words` found, or else (typed as a phone number with
    spaces or dashes) one of the `phone` terms among the complainant's."""

    words: tuple[QueryTerm, ...]
    phone: tuple[str, ...] = ()
    persons: tuple[str, ...] = ()  # `person_term`s of the sealed complainants the keyring found for it

    def __bool__(self) -> bool:
        return bool(self.words or self.phone or self.persons)


def query_terms(query: str) -> Query:
    """One term per word (all must be found; a reference such as "HK-2026-0012" is its words), a
    complaint's id pasted whole, and a phone number typed with spaces or dashes ("9123 4567") as its
    digits besides its words; at most `MAX_QUERY_TERMS` words."""
    text = " ".join(query.split())
    whole = _normal(text)
    if _UUID.fullmatch(whole):  # a complaint's id, pasted
        return Query((QueryTerm((whole,), ()),))
    words = tuple(
        QueryTerm(
            tuple(dict.fromkeys(forms + tuple(a for f in forms for a in _stem_asks(f)))),
            tuple(sorted(set().union(*(personal_query(f) for f in forms)))),
        )
        for forms in _query_words(text)[:MAX_QUERY_TERMS]
    )
    phone = phone_terms(text) if " " in text or "-" in text else set()
    return Query(words, tuple(sorted(personal_query(max(phone, key=len))) if phone else ()))
