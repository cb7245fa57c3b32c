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
- A word of a facility asks for every other word of it: "lift" finds "𨋢壞咗", "升降機" and
  "elevator", "停車場" finds "car park" and "parking" (`facility_asks`). The vocabulary is the group's
  one list of facilities, `shared/contracts/facilities.py`, which triage keys incidents by.

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

from shared.contracts.facilities import FACILITIES, namings

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


# Facilities are expanded on the query side only. Every word of the vocabulary is already indexed
# as the terms any text is (its English words and their `~stem`s, its Simplified characters and pairs),
# so the current vocabulary meets every complaint indexed with Simplified terms: no re-index when a word
# is added, and no facility term that could go stale. A word of several terms ("car park", 停车场) is
# asked for as its terms found together (`QueryTerm.together`, one indexed look-up each). A word with
# another sense ("lift the fine") asks for its facility too: search wants recall, and a query word asks
# for at most its facility's words (water, the largest: 44 terms in 11 look-ups), never a dictionary's.


Together = tuple[tuple[str, ...], ...]  # one of each group of terms among a complaint's public terms


@cache
def facility_asks(name: str) -> tuple[tuple[str, ...], tuple[Together, ...]]:
    """What a word of facility `name` asks for besides itself: the facility's words that are one term
    (an English word or its `~stem`; one or two Simplified characters), and those that are several
    terms found together (an English phrase; three or more characters as their pairs). A phrase that
    holds a one-term word ("lift door" holds "lift") or another phrase adds nothing and is left out;
    phrases of two terms that share one are asked for as that term and any of the others ("water"
    and any of "supply", "pump", "tank", ...: two look-ups, not one a phrase)."""
    facility = next(f for f in FACILITIES if f.name == name)
    singles: list[str] = []
    phrases: list[tuple[str, ...]] = []
    for word in facility.english:
        *head, last = _WORD.findall(_normal(word))
        stem = _english_stem(last)
        for end in (last, *((STEM + stem,) if stem else ())):  # the doc's "lifts" is `~lift`
            if head:
                phrases.append(tuple(dict.fromkeys((*head, end))))
            else:
                singles.append(end)
    for word in facility.chinese:
        if len(word) <= 2:
            singles.append(word)
        else:
            phrases.append(tuple(dict.fromkeys(word[i : i + 2] for i in range(len(word) - 1))))
    single = dict.fromkeys(singles)
    kept: list[tuple[str, ...]] = []
    for terms in sorted(dict.fromkeys(phrases), key=len):
        if not (set(terms) & single.keys() or any(set(k) <= set(terms) for k in kept)):
            kept.append(terms)
    return tuple(single), _shared_terms_first(kept)


def _shared_terms_first(phrases: list[tuple[str, ...]]) -> tuple[Together, ...]:
    """Phrases as groups of terms: pairs that share a term become (that term, any of the others),
    the term shared most first; every other phrase is its terms, one group each."""
    left, grouped = list(phrases), []
    while True:
        pairs = [p for p in left if len(p) == 2]
        counts = {t: sum(t in p for p in pairs) for p in pairs for t in p}
        shared = max(counts, key=lambda t: counts[t], default=None)
        if shared is None or counts[shared] < 2:
            break
        with_it = [p for p in pairs if shared in p]
        grouped.append(((shared,), tuple(dict.fromkeys(t for p in with_it for t in p if t != shared))))
        left = [p for p in left if p not in with_it]
    return tuple(grouped) + tuple(tuple((t,) for t in p) for p in left)


def _named_facilities(text: str) -> list[tuple[int, int, str]]:
    """Where a normalised query names a facility (span, name): its Chinese read as Simplified, the
    vocabulary's script (`_simplified` keeps each run's length, so spans stay the query's own)."""
    view = "".join(_simplified(run) if cjk else run for cjk, run in _runs(text))
    return [(n.start, n.end, n.facility.name) for n in namings(view)]


def _query_words(text: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """A query's words, each with the forms it is found by (a Chinese run in every script) and the
    facilities it is part of the naming of; a Chinese run longer than two characters is asked for as
    its pairs (a pair that reaches into a facility's words asks for the facility too)."""
    normal = _normal(text)
    named = _named_facilities(normal)
    asked: dict[tuple[str, ...], tuple[str, ...]] = {}

    def ask(forms: tuple[str, ...], start: int, end: int) -> None:
        facilities = tuple(name for s, e, name in named if s < end and start < e)
        asked[forms] = tuple(dict.fromkeys(asked.get(forms, ()) + facilities))

    for match in _WORD.finditer(normal):
        at = match.start()
        for cjk, run in _runs(match.group()):
            if not cjk:
                ask((run,), at, at + len(run))
            elif len(run) > 2:
                forms = script_variants(run)
                for i in range(len(run) - 1):
                    ask(tuple(dict.fromkeys(f[i : i + 2] for f in forms)), at + i, at + i + 2)
            else:
                ask(script_variants(run), at, at + len(run))
            at += len(run)
    return list(asked.items())


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
    complainant's fields, for those who may see them) is among the complaint's terms, or all of one of
    `together` among its public terms: one term of each of its groups (a facility's words of several
    terms: `facility_asks`)."""

    public: tuple[str, ...]
    personal: tuple[str, ...]
    together: tuple[Together, ...] = ()


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
    digits besides its words; at most `MAX_QUERY_TERMS` words, a facility's asking for its others."""
    text = " ".join(query.split())
    whole = _normal(text)
    if _UUID.fullmatch(whole):  # a complaint's id, pasted
        return Query((QueryTerm((whole,), ()),))
    words = tuple(_query_term(forms, facilities) for forms, facilities in _query_words(text)[:MAX_QUERY_TERMS])
    phone = phone_terms(text) if " " in text or "-" in text else set()
    return Query(words, tuple(sorted(personal_query(max(phone, key=len))) if phone else ()))


def _query_term(forms: tuple[str, ...], facilities: tuple[str, ...]) -> QueryTerm:
    """A query word's forms (and their stems), or any word of the facilities it names."""
    public = list(forms + tuple(a for f in forms for a in _stem_asks(f)))
    together: list[Together] = []
    for name in facilities:
        singles, several = facility_asks(name)
        public += singles
        together += several
    return QueryTerm(
        tuple(dict.fromkeys(public)),
        tuple(sorted(set().union(*(personal_query(f) for f in forms)))),
        tuple(dict.fromkeys(together)),
    )
