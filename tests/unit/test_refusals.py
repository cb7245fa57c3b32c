"""The refusal codes are one typed vocabulary (shared/refusals.py), documented in docs/refusals.md, and
each one is answered somewhere: a code no service uses is a promise nobody keeps."""

from __future__ import annotations

import re
from pathlib import Path

from shared.refusals import CODES, DOC, REFUSALS, document

ROOT = Path(__file__).resolve().parents[2]


def test_every_code_is_described_with_its_parameters() -> None:
    assert set(REFUSALS) == set(CODES) and len(CODES) == len(set(CODES))
    assert all(meaning.strip() for meaning, _params in REFUSALS.values())


def test_the_document_of_the_codes_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == document(), "run `make docs`"


def _sources() -> str:
    files = [*ROOT.glob("services/*/**/*.py"), *ROOT.glob("shared/**/*.py")]
    return "\n".join(
        f.read_text(encoding="utf-8")
        for f in files
        if f.name != "refusals.py" and "desk" not in f.parts  # the vocabulary and its reader
    )


def test_every_code_is_answered_by_a_service() -> None:
    text = _sources()
    unused = [code for code in CODES if f'"{code}"' not in text]
    assert not unused, f"codes no service raises: {unused}"


def test_no_service_answers_a_bare_http_exception() -> None:
    """Every refusal goes through shared/web.py's `Refused` (with its code), never FastAPI's bare one."""
    bare = [
        str(f.relative_to(ROOT))
        for f in ROOT.glob("services/*/entrypoints/*.py")
        if "desk" not in f.parts and re.search(r"\bHTTPException\(", f.read_text(encoding="utf-8"))
    ]
    assert not bare, bare
