"""The language a complainant is written to in when the form does not record one: the script the
complaint was written in.

Why: a complaint an office's system registers without `language` was written to in English and
Traditional Chinese together. A Shenzhen owner who wrote in Simplified Chinese got their receipt and
updates in a script they do not use, and the text of both languages filled an SMS so that a promise
was cut to nothing. The form's own words say which script its writer uses: characters only
Simplified writes (电, 楼) or only Traditional writes (電, 樓), by OpenCC's tables in both directions;
a text in Latin letters with a Chinese word or two in it ("the 燈 outside 7D") is English. A text
that says neither (characters common to both scripts alone, or as many of each) stays not known:
both languages, as before. Measured on triage's corpus (1,619 complaints, holdout18 not read): 1,615
read as the language they were written in, 3 not known (Cantonese in characters common to both
scripts), 1 otherwise (a Cantonese note typed in Simplified characters, read as Simplified).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import opencc

from shared.contracts.intake import RegistrationForm, SealedForm
from shared.personal import FORM_TEXTS

from .wording import EN, ZH_HANS, ZH_HANT

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
LATIN = re.compile(r"[A-Za-z]")
# Latin letters per Chinese character above which a text is English with a Chinese word or two in it
# (an English word is about five letters: twice as many Latin words as Chinese characters).
ENGLISH_ABOVE = 10


@cache
def _converters() -> tuple[opencc.OpenCC, opencc.OpenCC]:
    return opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


def written_language(texts: Iterable[str]) -> str | None:
    """en, zh-Hant or zh-Hans as the texts are written; None when they do not say."""
    text = " ".join(texts)
    han, latin = len(HAN.findall(text)), len(LATIN.findall(text))
    if latin > ENGLISH_ABOVE * max(han, 1):  # and a couple of words at least: "12/F" says nothing
        return EN
    if not han:
        return None
    to_simplified, to_traditional = _converters()
    # a character the conversion to Traditional changes is Simplified's own, and the other way round
    simplified_only = sum(a != b for a, b in zip(text, to_traditional.convert(text), strict=False))
    traditional_only = sum(a != b for a, b in zip(text, to_simplified.convert(text), strict=False))
    if simplified_only > traditional_only:
        return ZH_HANS
    if traditional_only > simplified_only:
        return ZH_HANT
    return None


def complainant_language(form: RegistrationForm | SealedForm) -> str | None:
    """The language the complainant is written to in: the form's when it records one, else the one
    the complaint's own words are written in (their free texts, as they travel: redacted, in clear)."""
    if form.language is not None:
        return str(form.language)
    return written_language(str(getattr(form, field) or "") for field in FORM_TEXTS)
