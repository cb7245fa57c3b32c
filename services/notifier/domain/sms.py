"""The complainant's receipt and updates as a text message, for a contact that is a phone number.

The same facts as the mails, in the same words (`wording.py`, `receipts.py`, `updates.py`: one source
of the words, no copy here), in the complainant's language, without the greeting (their name stays out
of the gateway's hands) and short: an SMS is paid per segment. A segment holds 160 GSM-7 characters
(153 when a text is split in several), or 70 UCS-2 code units (67 when split) once any character is
outside GSM-7, which every Chinese text is. A text longer than `max_segments` has the staff's own words
(what the customer was told, the reply's summary, the promise: the one line every language shares, our
words being translated) cut with an ellipsis; the reference and the status link are never cut.

What the gateway receives (`request_body`) is signed like a staff webhook (`messages.signature`), with an
idempotency key derived like the mail's Message-ID: a redelivery is recognisably the same message.
Nothing here reads the clock or a random source: composed again, a text is byte for byte the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

import phonenumbers

from shared.contracts import derived_id

from . import receipts
from .kept import KeptContact
from .updates import Update
from .wording import REFERENCE, follow_line, languages

GSM7, UCS2 = "GSM-7", "UCS-2"
# GSM 03.38's default alphabet (one septet each) and its extension table (an escape and a septet: two).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
# Units per segment: alone, and in a concatenated text (its header takes the rest).
SINGLE = {GSM7: 160, UCS2: 70}
CONCATENATED = {GSM7: 153, UCS2: 67}
DEFAULT_MAX_SEGMENTS = 4
RECEIPT = "receipt"
# The key a gateway de-duplicates on (also `X-Complaints-Delivery`, as a staff webhook carries it).
IDEMPOTENCY_HEADER = "Idempotency-Key"
ELLIPSIS = {GSM7: "...", UCS2: "…"}
# The staff's words are never cut shorter than this: a promise cut to "…" told a customer nothing (a
# Shenzhen complainant's bilingual text under `make up`, where the fixed lines filled four segments).
# Such a text takes a segment more, which the request and the log say.
KEPT_AT_LEAST = 40


@dataclass(frozen=True)
class Segments:
    """How a text travels: its encoding, its length in that encoding's units, the segments it takes."""

    encoding: str
    units: int
    count: int


def _cost(char: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1  # UTF-16: a character beyond the BMP is a surrogate pair


def segments(text: str) -> Segments:
    """The segments `text` takes. Split texts are packed as phones split them: a two-unit character
    (a GSM-7 escape, a UTF-16 surrogate pair) is never cut across two segments."""
    encoding = GSM7 if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text) else UCS2
    costs = [_cost(c, encoding) for c in text]
    units = sum(costs)
    if units <= SINGLE[encoding]:
        return Segments(encoding, units, 1 if units else 0)
    count, filled = 1, 0
    for cost in costs:
        if filled + cost > CONCATENATED[encoding]:
            count, filled = count + 1, 0
        filled += cost
    return Segments(encoding, units, count)


def phone_number(contact: str, region: str) -> str | None:
    """The contact in E.164 (`+85291234567`) when it is a valid phone number, read in `region` (the
    office's: intake checked it there) unless written with its country code; None for anything else
    (an e-mail address, the erased marker, a contact from before contacts were checked)."""
    text = contact.strip()
    if "@" in text:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class Sms:
    """One text to one complainant, as the gateway receives it."""

    kind: str  # receipt, progress, promise, reply, return-visit, reopened, closed
    idempotency_key: UUID
    to: str  # E.164
    language: str  # the text's languages, as the mail's Content-Language says them
    text: str
    segments: Segments


def receipt_key(complaint_id: UUID) -> str:
    """The ledger's key: one receipt text per complaint (the mail's is `receipt/<complaint id>`)."""
    return f"{receipts.receipt_key(complaint_id)}/sms"


def receipt_idempotency_key(complaint_id: UUID) -> UUID:
    """Derived from the complaint id as the receipt mail's Message-ID is, apart from it."""
    return derived_id("notifier-receipt-sms", complaint_id)


def update_key(item: Update) -> str:
    return f"{item.keyed_as}/{item.event_id}/sms"


def update_idempotency_key(item: Update) -> UUID:
    """Derived from the event id as the update mail's Message-ID is, apart from it."""
    return derived_id(f"notifier-{item.keyed_as}-sms", item.event_id)


Sections = Mapping[str, tuple[str, ...]]  # each language's lines


def receipt_sms(
    complaint_id: UUID,
    refs: dict[str, str],
    language: str | None,
    to: str,
    *,
    status_url: str | None,
    max_segments: int = DEFAULT_MAX_SEGMENTS,
) -> Sms:
    """The receipt: recorded, under which reference (`refs`: the reference in each language,
    `receipts.references`), and the status link. Not who took it, not what the complaint says."""
    langs = languages(language)
    sections = {lang: (receipts.SUBJECT[lang], REFERENCE[lang].format(ref=refs[lang])) for lang in langs}
    return _sms(RECEIPT, receipt_idempotency_key(complaint_id), to, langs, sections, (), status_url, max_segments)


def update_sms(
    item: Update,
    kept: KeptContact,
    to: str,
    *,
    status_url: str | None,
    office_name: receipts.OfficeNames | None = None,
    max_segments: int = DEFAULT_MAX_SEGMENTS,
) -> Sms:
    """An update: the mail's own lines (the allow-list, `updates.BUILDERS`), the reference, the link."""
    langs = languages(kept.language)
    sections = {
        lang: (*item.lines[lang], REFERENCE[lang].format(ref=kept.reference_in(lang, office_name))) for lang in langs
    }
    told = _staff_words(item)
    return _sms(item.kind, update_idempotency_key(item), to, langs, sections, told, status_url, max_segments)


def _staff_words(item: Update) -> tuple[str, ...]:
    """The lines every language of the update shares: the staff's own words to the customer (ours
    are translated), the only ones that may be long."""
    shared = set.intersection(*(set(lines) for lines in item.lines.values()))
    return tuple(line for line in next(iter(item.lines.values())) if line in shared)


def _sms(
    kind: str,
    key: UUID,
    to: str,
    langs: tuple[str, ...],
    sections: Sections,
    told: Sequence[str],
    status_url: str | None,
    max_segments: int,
) -> Sms:
    def compose(cut: Callable[[str], str]) -> str:
        lines = [cut(line) if line in told else line for lang in langs for line in sections[lang]]
        if status_url:
            lines.append(follow_line(langs, status_url))
        return "\n".join(lines)

    text = compose(lambda line: line)
    if told and segments(text).count > max_segments:
        ellipsis = ELLIPSIS[segments(text).encoding]  # "..." keeps an English text in GSM-7
        text = _shortened(compose, max(len(line) for line in told), ellipsis, max_segments)
    return Sms(kind, key, to, ", ".join(langs), text, segments(text))


def _shortened(compose: Callable[[Callable[[str], str]], str], longest: int, ellipsis: str, max_segments: int) -> str:
    """The staff's words cut to the longest prefix (with an ellipsis) that keeps the text within
    `max_segments`, but never shorter than `KEPT_AT_LEAST` characters (the reference and the link are
    never cut either: the text is then longer, and its segments are said in the request and the log)."""

    def cut_to(length: int) -> str:
        return compose(lambda line: line if len(line) <= length else line[:length].rstrip() + ellipsis)

    low, high = min(KEPT_AT_LEAST, longest), longest - 1  # the longest prefix that fits, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if segments(cut_to(middle)).count <= max_segments:
            low = middle
        else:
            high = middle - 1
    return cut_to(low)


def request_body(sms: Sms) -> bytes:
    """The JSON the gateway receives (keys sorted, no spaces: identical bytes on every attempt)."""
    body = {
        "idempotency_key": str(sms.idempotency_key),
        "kind": sms.kind,
        "to": sms.to,
        "language": sms.language,
        "text": sms.text,
        "encoding": sms.segments.encoding,
        "segments": sms.segments.count,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
