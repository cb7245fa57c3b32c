"""The reading model: a small linear text classifier per label (area, nature, severity, validity),
learned from the labelled corpus, that supports the phrase rules where they are unsure.

Why: phrase lists tuned on one set do not generalise to complaints written later (holdout7 stayed
at .60-.90 after two rounds of rules). A classifier over character n-grams reads paraphrases the
lists never named. It never explains alone: `second_reading` lets it decide only where the rules
are unsure, and says so in the decision's reason.

Deterministic: the features are fixed (character 1-3-grams over the text folded to Simplified,
word 1-2-grams for English), the solver is liblinear one-vs-rest with a fixed seed, and the examples are
sorted by id. The same corpus always trains the same model; `identity` (a hash of the examples)
names it in the rules version a decision records. Pure: no files, no clock; the caller hands
the examples in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .script import canonical

if TYPE_CHECKING:
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion

LABELS = ("validity", "nature", "area", "severity", "criterion")
FIELDS = ("object", "description", "customer_request")


@dataclass(frozen=True)
class Example:
    id: str
    form: Mapping[str, Any]
    labels: Mapping[str, Any]


@dataclass(frozen=True)
class Guess:
    value: str
    probability: float


def model_text(form: Mapping[str, Any]) -> str:
    """The complaint's words as the model reads them: Traditional folded to Simplified, full-width
    to ASCII, lower case (the rules' own `canonical`), so both Chinese scripts share features."""
    return canonical(" | ".join(str(form.get(k, "") or "") for k in FIELDS))


def corpus_identity(examples: Iterable[Example]) -> str:
    """A short hash of the examples (ids, forms, labels) in id order: the model's name."""
    rows = sorted(
        (json.dumps([e.id, dict(e.form), {k: e.labels.get(k) for k in LABELS}], ensure_ascii=False, sort_keys=True))
        for e in examples
    )
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]


# scikit-learn is imported where a model is trained or read, not with this module: triage's relay and
# HTTP app judge nothing and name the model only by `corpus_identity`, and importing it costs them
# seconds and ~100 MB each (docs/performance.md, "Start-up and memory at size").


def _features() -> FeatureUnion:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1)),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b[a-z][a-z']+\b"
                ),
            ),
        ]
    )


def _classifier() -> OneVsRestClassifier:
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    # One-vs-rest liblinear: fast on a few hundred texts (lbfgs took ~40 s a training here), deterministic.
    return OneVsRestClassifier(LogisticRegression(C=10.0, solver="liblinear", random_state=0))


@dataclass(frozen=True)
class Linear:
    """One label's one-vs-rest classifiers as one weight matrix: the same probabilities as
    `OneVsRestClassifier.predict_proba` (sigmoid per class, normalised), without calling each of the
    per-class estimators (14 for the area), which made a decision ~4x slower end to end."""

    classes: tuple[str, ...]
    weights: Any  # (features, classes)
    bias: Any  # (classes,)

    @classmethod
    def of(cls, classifier: OneVsRestClassifier) -> Linear:
        estimators = classifier.estimators_
        weights = np.vstack([e.coef_ for e in estimators]).T
        bias = np.concatenate([e.intercept_ for e in estimators])
        classes = tuple(str(c) for c in classifier.classes_)
        if len(classes) == 2:  # one estimator: the second class's probability against the first's
            return cls(classes, np.hstack([-weights, weights]), np.concatenate([-bias, bias]))
        return cls(classes, weights, bias)

    def contributions(self, vector: Any, value: str) -> Any:
        """Each present feature's share of the score for `value` (tf-idf x weight), as (index, share)."""
        column = self.weights[:, self.classes.index(value)]
        row = vector.tocsr()
        return [(int(i), float(x * column[i])) for i, x in zip(row.indices, row.data, strict=True)]

    def probabilities(self, vector: Any) -> Any:
        scores = np.asarray(vector @ self.weights).ravel() + self.bias
        raw = 1.0 / (1.0 + np.exp(-scores))
        return raw / raw.sum()


@dataclass(frozen=True)
class ReadingModel:
    identity: str
    features: FeatureUnion  # one vocabulary for every label: the text is read once
    labels: Mapping[str, Linear]
    names: tuple[str, ...] = ()  # each feature's n-gram, as "chars__..." or "words__..."

    def probabilities(self, form: Mapping[str, Any], label: str) -> dict[str, float]:
        """Every value of one label with its probability."""
        linear = self.labels[label]
        found = linear.probabilities(self.features.transform([model_text(form)]))
        return {value: float(p) for value, p in zip(linear.classes, found, strict=True)}

    def evidence(self, form: Mapping[str, Any], label: str, value: str, most: int = 4) -> list[str]:
        """The complaint's own words that weighed most for `value`: the n-grams present in it with the
        largest contributions to that class's score (a linear model's reasons), longest first where
        they overlap, each quoted as the complaint wrote it (Traditional stays Traditional)."""
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        folded = model_text(form)
        vector = self.features.transform([folded])
        shares = sorted(self.labels[label].contributions(vector, value), key=lambda item: -item[1])
        raw = " | ".join(str(form.get(k, "") or "") for k in FIELDS)
        aligned = _aligned(raw)
        quoted: list[str] = []
        spans: list[tuple[int, int]] = []
        for index, share in shares:
            if share <= 0 or len(quoted) >= most:
                break
            kind, gram = self.names[index].split("__", 1)
            gram = gram.strip()
            if kind == "chars" and gram.isascii():
                continue  # a piece of an English word ("ned" of "explained"): its word features speak for it
            if not all(c.isalnum() or c in " '" for c in gram) or len(gram) < (3 if gram.isascii() else 2):
                continue  # a mark, or one character or a two-letter word: too little to quote
            if gram.isascii() and all(w in ENGLISH_STOP_WORDS for w in gram.split()):
                continue  # 'and', 'at all': it weighed, but says nothing a person can check
            at = aligned.find(gram)
            if at < 0 or any(a < at + len(gram) and at < b for a, b in spans):
                continue
            spans.append((at, at + len(gram)))
            quoted.append(raw[at : at + len(gram)])  # the owner's own characters (Traditional stays)
        return quoted

    def read(self, form: Mapping[str, Any]) -> dict[str, Guess]:
        """The model's guess and its probability for each label."""
        return {label: best(found) for label, found in self.read_all(form).items()}

    def read_all(self, form: Mapping[str, Any]) -> dict[str, dict[str, float]]:
        """Every value of every label with its probability (the text transformed once)."""
        vector = self.features.transform([model_text(form)])
        return {
            label: {value: float(p) for value, p in zip(linear.classes, linear.probabilities(vector), strict=True)}
            for label, linear in self.labels.items()
        }


def best(probabilities: Mapping[str, float]) -> Guess:
    """The likeliest value (the first of equals, in the classes' order)."""
    value = max(probabilities, key=lambda v: probabilities[v])
    return Guess(value, probabilities[value])


def _aligned(raw: str) -> str:
    """The raw text folded character by character as `model_text` folds it, so an n-gram found in it
    has the same offsets in the owner's text."""
    folded = (canonical(ch) if not ch.isspace() else " " for ch in raw)
    return "".join(f if len(f) == 1 else "\0" for f in folded)


def train(examples: Iterable[Example]) -> ReadingModel:
    """One classifier per label, trained on `examples` (sorted by id, so order never matters)."""
    ordered = sorted(examples, key=lambda e: e.id)
    features = _features()
    matrix = features.fit_transform([model_text(e.form) for e in ordered])
    labels = {label: Linear.of(_classifier().fit(matrix, [str(e.labels[label]) for e in ordered])) for label in LABELS}
    names = tuple(str(n) for n in features.get_feature_names_out())
    return ReadingModel(corpus_identity(ordered), features, labels, names)
