"""Two headers every mail of the notifier writes the same way: its Subject and its Date.

**Subject.** Python's own header folder (`email.policy.default`, 3.11 here) writes an empty encoded word
(`=?utf-8?q??=`) when a non-ASCII character falls where a line has room for an encoded word's chrome but
not for the character: `[major] A major complaint: the leaders are told at once · R-731 (...)` folded
into `... at once =?utf-8?q??=` + ` =?utf-8?q?=C2=B7?= R-731 (...)` (the ` · ` before the reference is the
character). RFC 2047 has no empty encoded word; mail clients show a stray `=?utf-8?q??=` or drop it.
So the notifier writes its Subject itself (`subject_header`) and stores it as written (`set_raw`: the
policy does not refold a value whose lines fit): ASCII words as they are (a raw log, the development
mail sink's, stays readable), each run of other words as base64 encoded words of whole characters, at
most 42 bytes each (an encoded word of at most 68 characters: RFC 2047 allows 75), lines folded at the
spaces between them within 78 characters.

**Date.** A mail's Date is the instant of its fact (the notification's, the registration's, the
update's, the report's: a repeat is identical), written in the time zone its body writes times in
(the office's, as the directory says it), so the header and the body say the same hour: the header in
UTC read `05:12 +0000` above a body saying `13:12 (UTC+08:00)`, which under the local demo's clock (far
from the reader's own day) looked like two different times. The same instant either way.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

LINE = 78  # RFC 5322's recommended line length, the policy's own
_NAME = len("Subject: ")
_EW_BYTES = 42  # 14 base64 quads: `=?utf-8?b?` + 56 + `?=` = 68 characters
_PLAIN_MAX = 60  # a longer ASCII word is encoded too (split), so no line outgrows LINE


def _plain(word: str) -> bool:
    """A word written as it is: printable ASCII that cannot be read as an encoded word."""
    return bool(word) and len(word) <= _PLAIN_MAX and word.isascii() and word.isprintable() and "=?" not in word


def _encoded(text: str) -> list[str]:
    """`text` as base64 encoded words of whole characters, none empty."""
    words, chunk = [], b""
    for character in text:
        data = character.encode()
        if chunk and len(chunk) + len(data) > _EW_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += data
    if chunk:
        words.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(word).decode()}?=" for word in words]


def subject_header(text: str) -> str:
    """The Subject's value as written: plain ASCII words, encoded runs of the others (spaces inside a run
    encoded with it, as the space between two encoded words is not read), folded within LINE. A header
    is one line: any run of white space (a line break a publisher's subject carried) is one space."""
    atoms: list[str] = []
    run: list[str] = []
    for word in text.split():
        if _plain(word):
            if run:
                atoms += _encoded(" ".join(run))
                run = []
            atoms.append(word)
        else:
            run.append(word)
    if run:
        atoms += _encoded(" ".join(run))
    lines = [""]
    for atom in atoms:
        if not lines[0]:
            lines[0] = atom
        elif len(lines[-1]) + 1 + len(atom) + (_NAME if len(lines) == 1 else 0) <= LINE:
            lines[-1] += " " + atom
        else:
            lines.append(" " + atom)
    return "\n".join(lines)


def set_subject(message: EmailMessage, text: str) -> None:
    """`message`'s Subject: `text`, with no empty encoded word (`subject_header`)."""
    message.set_raw("Subject", subject_header(text))


def mail_date(at: datetime, time_zone: str | None) -> str:
    """The Date header of a mail about an instant `at`, in the office's `time_zone` (None: UTC)."""
    return format_datetime(at.astimezone(ZoneInfo(time_zone)) if time_zone else at.astimezone(UTC))
