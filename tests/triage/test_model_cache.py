"""The reading model kept in the state folder is the trained model: a start reads it instead of
training again (seconds of CPU in each of triage's processes), and a damaged file is trained again."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from services.triage.adapters import model_cache
from services.triage.adapters.model_cache import cached_reading_model
from services.triage.score import corpus_model, load


def never_trained() -> None:
    pytest.fail("trained again although the state folder holds the model")


def test_a_kept_model_reads_every_form_as_the_trained_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trained = corpus_model()
    # A process that has not trained yet: it trains (here: hands over the session's model) and keeps it.
    monkeypatch.setattr(model_cache, "corpus_model", functools.cache(lambda: trained))
    assert cached_reading_model(tmp_path) is trained
    [kept_file] = (tmp_path / "cache").glob("triage-reading-model-*.pickle")

    monkeypatch.setattr(model_cache, "corpus_model", functools.cache(never_trained))
    kept = cached_reading_model(tmp_path)
    assert kept is not trained and kept.identity == trained.identity
    for case in load()[::25]:
        assert kept.read(case.form) == trained.read(case.form)

    kept_file.write_bytes(b"not a model")
    monkeypatch.setattr(model_cache, "corpus_model", functools.cache(lambda: trained))
    assert cached_reading_model(tmp_path) is trained
    assert kept_file.read_bytes() != b"not a model"


def test_a_model_kept_by_other_code_is_not_taken_for_today_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trained = corpus_model()
    monkeypatch.setattr(model_cache, "corpus_model", functools.cache(lambda: trained))
    monkeypatch.setattr(model_cache, "code_digest", lambda: "older-code")
    cached_reading_model(tmp_path)
    monkeypatch.setattr(model_cache, "code_digest", lambda: "today-code")
    monkeypatch.setattr(model_cache, "corpus_model", functools.cache(lambda: "trained again"))
    assert cached_reading_model(tmp_path) == "trained again"
    assert len(list((tmp_path / "cache").glob("triage-reading-model-*.pickle"))) == 2
