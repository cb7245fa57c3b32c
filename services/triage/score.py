"""Score the triage engine on the labelled corpus (services/triage/corpus/*.jsonl): accuracy per label
and language, the severity confusion, majors graded lower without a review flag, and every miss.

    python -m services.triage.score [--split dev|holdout|holdout2..holdout12|all] [--rules rules.toml] [--misses]
                                    [--model off|on] [--by-split]

With `--model on` the reading model supports the rules (second_reading), and it is scored honestly:
for each split scored, a model is trained on every other split (leave-one-split-out), never on the
split it reads.

Kept apart from the unit tests: the corpus measures how well the rules read complaints; the tests
pin behaviour. Each corpus line is {"id", "split", "form": {object, description, customer_request},
"labels": {validity, nature, area, severity, criterion}}; nature is 'effective' or the kind of
communication complaint; criterion is the major criterion ('major.injury-or-loss') or null.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .domain.engine import History, Judgement, judge
from .domain.reading_model import Example, ReadingModel, train
from .domain.rules import BUNDLED_RULES, Rules, load_rules_file
from .domain.second_reading import second_reading

CORPUS = Path(__file__).resolve().parent / "corpus"
LABELS = ("validity", "nature", "area", "severity", "criterion")
GRADES = ("minor", "important", "major")
SPLITS = (
    "dev",
    "holdout",
    "holdout2",
    "holdout3",
    "holdout4",
    "holdout5",
    "holdout6",
    "holdout7",
    "holdout8",
    "holdout9",
    "holdout10",
    "holdout11",
    "holdout12",
    "all",
)


@dataclass(frozen=True)
class Case:
    id: str
    language: str
    split: str
    form: dict[str, Any]
    labels: dict[str, str | None]


def load(corpus: Path = CORPUS) -> list[Case]:
    cases = []
    for path in sorted(corpus.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                cases.append(Case(row["id"], path.stem, row["split"], row["form"], row["labels"]))
    return cases


def examples(cases: list[Case]) -> list[Example]:
    return [Example(c.id, c.form, c.labels) for c in cases]


@cache
def corpus_model(corpus: Path = CORPUS) -> ReadingModel:
    """The reading model trained on the whole labelled corpus (what the service runs). Deterministic,
    so one training a process serves every application built in it (tests build many)."""
    return train(examples(load(corpus)))


def predicted(j: Judgement) -> dict[str, str | None]:
    majors = [c for c in j.severity_criteria if c.startswith("major.")]
    return {
        "validity": j.validity,
        "nature": "effective" if j.nature == "effective" else j.communication_kind,
        "area": j.business_area,
        "severity": j.severity,
        "criterion": majors[0] if majors else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="all")
    parser.add_argument("--rules", type=Path, default=BUNDLED_RULES)
    parser.add_argument("--misses", action="store_true", help="list every miss with the engine's reasons")
    parser.add_argument("--model", choices=("off", "on"), default="off", help="the reading model beside the rules")
    parser.add_argument("--by-split", action="store_true", help="accuracy per split and label as well")
    args = parser.parse_args(argv)
    rules = Rules(1, load_rules_file(args.rules))
    everything = load()
    cases = [c for c in everything if args.split in ("all", c.split)]
    models: dict[str, ReadingModel] = {}
    if args.model == "on":  # leave-one-split-out: never read a split with a model trained on it
        for split in sorted({c.split for c in cases}):
            models[split] = train(examples([c for c in everything if c.split != split]))
    started = time.perf_counter()
    judged = []
    for c in cases:
        j = judge(c.form, "corpus", rules, History())
        if c.split in models:
            j = second_reading(j, c.form, "corpus", models[c.split], rules)
        judged.append((c, j))
    elapsed = time.perf_counter() - started
    languages = sorted({c.language for c in cases})

    print(f"triage on {len(cases)} labelled complaints (split: {args.split}), {len(cases) / elapsed:.0f} judgements/s")
    print(f"{'label':<10}" + "".join(f"{lang:>10}" for lang in languages) + f"{'all':>10}")
    worst = 1.0
    for label in LABELS:
        row = f"{label:<10}"
        for lang in [*languages, None]:
            subset = [(c, j) for c, j in judged if lang in (None, c.language)]
            right = sum(predicted(j)[label] == c.labels[label] for c, j in subset)
            accuracy = right / len(subset) if subset else 0.0
            worst = min(worst, accuracy)
            row += f"{accuracy:>10.2f}"
        print(row)

    if args.by_split:
        print(f"\n{'split':<10}{'n':>4}" + "".join(f"{label:>10}" for label in LABELS) + f"{'silent':>8}")
        for split in sorted({c.split for c in cases}):
            subset = [(c, j) for c, j in judged if c.split == split]
            row = f"{split:<10}{len(subset):>4}"
            for label in LABELS:
                row += f"{sum(predicted(j)[label] == c.labels[label] for c, j in subset) / len(subset):>10.2f}"
            quiet = sum(
                c.labels["severity"] == "major" and j.severity != "major" and not j.needs_review for c, j in subset
            )
            print(row + f"{quiet:>8}")

    print("\nseverity confusion (rows: labelled, columns: judged)")
    confusion = Counter((c.labels["severity"], j.severity) for c, j in judged)
    print(f"{'':<10}" + "".join(f"{g:>10}" for g in GRADES))
    for g in GRADES:
        print(f"{g:<10}" + "".join(f"{confusion[(g, h)]:>10}" for h in GRADES))
    silent = [
        c.id for c, j in judged if c.labels["severity"] == "major" and j.severity != "major" and not j.needs_review
    ]
    flagged = sum(j.needs_review for _, j in judged)
    print(f"\nmajors judged lower without a review flag: {len(silent)} {silent if silent else ''}")
    print(f"flagged for review: {flagged} of {len(judged)} ({flagged / len(judged):.0%})")

    misses = [(c, j) for c, j in judged if any(predicted(j)[k] != c.labels[k] for k in LABELS)]
    print(f"complaints with any label missed: {len(misses)}")
    for c, j in misses:
        got = predicted(j)
        wrong = ", ".join(f"{k}: {got[k]} (labelled {c.labels[k]})" for k in LABELS if got[k] != c.labels[k])
        print(f"- {c.id}: {wrong}")
        if args.misses:
            print(f"    {c.form['description']}")
            for aspect in ("validity", "nature", "category", "severity"):
                print(f"    {aspect}: {j.explanations[aspect].reason}")
            if j.review:
                print(f"    review: {'; '.join(j.review)}")
    print(f"\nlowest accuracy: {worst:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
