"""Triage's review flag on the wire: typed (`ComplaintTriaged.review`) beside its sentences
(`review_reasons`), the two one flag; an event published before the typed flag still decodes, and its
sentences are read (`flags_of_sentences`, the one reading of them) into the same aspect and kind as
triage's builders give."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from services.triage.domain import review as triage_review
from shared.contracts.catalogue import decode
from shared.contracts.catalogue_doc import GOLDEN_DIR
from shared.contracts.review import ReviewFlag, ReviewKind, flag_of_sentence, flags_of_sentences

GOLDEN = json.loads((GOLDEN_DIR / "complaints.triage.ComplaintTriaged.v1.json").read_text())


def with_payload(**changes: Any) -> dict[str, Any]:
    return GOLDEN | {"payload": GOLDEN["payload"] | changes}


def every_kind() -> list[ReviewFlag]:
    r = triage_review
    narrow = r.narrowly_ahead("sanitation", "parking", 0.55, 0.6)
    guessed = [r.no_sign_either_way("effective")]
    return [
        r.low_confidence("category", "other", 0.5, 0.6),
        r.calibrated_low_confidence("nature", "effective", 0.7, 0.8, 0.45, guessed, 0.6, "venting", 0.3),
        r.calibrated_low_confidence("validity", "valid", 0.7, 0.8, 0.65, [], 0.9, "valid", 0.9),
        narrow,
        r.no_topic("other"),
        r.no_sign_either_way("effective", "maintenance"),
        r.no_sign_either_way("consultation"),
        r.possibly_major("important", [r.Sign("hazard ('live wires')", ("live wires",))]),
        r.model_graded("major", "important", 0.7, ["trapped"]),
        r.model_graded("important", "minor", 0.6, []),
        r.model_disagrees("severity", "minor", "m1", "important", 0.45),
        r.model_disagrees("validity", "valid", "m1", "invalid", 0.8),
        r.major_possible("important", 0.3, 0.2),
        r.major_doubted(0.1, 0.2),
    ]


def test_an_event_before_the_typed_flag_decodes_with_its_sentences_alone() -> None:
    old = {k: v for k, v in GOLDEN["payload"].items() if k != "review"}
    event = decode(GOLDEN["type"], GOLDEN | {"payload": old})
    assert event.payload.review is None and event.payload.review_reasons == GOLDEN["payload"]["review_reasons"]


def test_the_typed_flag_and_its_sentences_are_one_flag() -> None:
    flag = GOLDEN["payload"]["review"][0]
    with pytest.raises(ValidationError, match="review_reasons"):
        decode(GOLDEN["type"], with_payload(review_reasons=["business area: reworded"]))
    with pytest.raises(ValidationError, match="review_reasons"):
        decode(GOLDEN["type"], with_payload(review=[flag, flag]))
    for unread in ({"kind": "unknown"}, {"aspect": None}):  # only a reader's reading of an older sentence
        with pytest.raises(ValidationError, match="known kind"):
            decode(GOLDEN["type"], with_payload(review=[flag | unread]))
    with pytest.raises(ValidationError):
        decode(GOLDEN["type"], with_payload(review=[flag | {"kind": "reworded"}]))


def test_every_sentence_triage_writes_is_read_into_its_aspect_and_kind() -> None:
    flags = every_kind()
    assert {f.kind for f in flags} == set(ReviewKind) - {ReviewKind.UNKNOWN}
    for flag in flags:
        read = flag_of_sentence(flag.text)
        assert (read.aspect, read.kind, read.text) == (flag.aspect, flag.kind, flag.text)
        assert read.quoted == flag.quoted
        if flag.kind is ReviewKind.LOW_CONFIDENCE:
            assert (read.confidence, read.limit) == (flag.confidence, flag.limit)
        if flag.kind is ReviewKind.MODEL_GRADED:
            assert read.value == flag.value


def test_a_sentence_of_no_known_shape_is_kept_with_its_words() -> None:
    [odd, other] = flags_of_sentences(["severity: something new ('x')", "tone: loud", ""])
    assert (odd.aspect, odd.kind, odd.quoted) == ("severity", ReviewKind.UNKNOWN, ["x"])
    assert (other.aspect, other.kind, other.text) == (None, ReviewKind.UNKNOWN, "tone: loud")
