"""Does more varied training text make the reading model stronger on text nobody tuned on (issue 9)?

    python -m bench.triage_training_text [--splits holdout12,...,holdout17] [--added train2]

Leave-one-split-out, like `score --model on`: each split read is read by models trained on every other
split — once WITHOUT the added training split(s) (before) and once WITH them (after); nothing else
differs. Printed per label and language, before → after: (1) the reading model alone (its likeliest
value; the criterion is its criterion classifier's); (2) triage's final decisions (rules +
`second_reading`, the bundled rules), with the majors graded lower without a review flag, the minors
graded major and the share flagged. The sealed `holdout18` is never read and never trained on.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence

from services.triage.domain.engine import History, Judgement, judge
from services.triage.domain.reading_model import best, train
from services.triage.domain.rules import BUNDLED_RULES, Rules, load_rules_file
from services.triage.domain.second_reading import second_reading
from services.triage.score import LABELS, Case, examples, load, predicted

SEALED = ("holdout18",)
DEFAULT_SPLITS = tuple(f"holdout{n}" for n in range(12, 18))


def model_alone(read: dict[str, dict[str, float]]) -> dict[str, str | None]:
    """The model's own value per label (its criterion classifier names 'None' for no major)."""
    found: dict[str, str | None] = {label: best(read[label]).value for label in LABELS}
    if found["criterion"] == "None":
        found["criterion"] = None
    return found


def training_sets(cases: Sequence[Case], split: str, added: Sequence[str]) -> dict[str, list[Case]]:
    """What the models reading `split` learn from: every other split but the sealed ones, without the added
    training split(s) (before) and with them (after)."""
    others = [c for c in cases if c.split != split and c.split not in SEALED]
    return {"before": [c for c in others if c.split not in added], "after": others}


Tally = Counter[tuple[str, str, str, str]]  # (reader, variant, label, language) -> right answers


def measure(splits: Sequence[str], added: Sequence[str]) -> tuple[Tally, Counter[tuple[str, str]], Counter[str]]:
    everything = [c for c in load() if c.split not in SEALED]
    rules = Rules(1, load_rules_file(BUNDLED_RULES))
    right: Tally = Counter()
    events: Counter[tuple[str, str]] = Counter()  # (variant, what) -> count
    sizes: Counter[str] = Counter()
    for split in splits:
        mine = [c for c in everything if c.split == split]
        alone_by_id = {c.id: judge(c.form, "corpus", rules, History()) for c in mine}
        for variant, taught in training_sets(everything, split, added).items():
            model = train(examples(taught))
            for c in mine:
                final = second_reading(alone_by_id[c.id], c.form, "corpus", model, rules)
                for reader, values in (("model", model_alone(model.read_all(c.form))), ("final", predicted(final))):
                    for label in LABELS:
                        right[(reader, variant, label, c.language)] += values[label] == c.labels[label]
                _count_events(events, variant, c, final)
        for c in mine:
            sizes[c.language] += 1
        print(f"  {split}: read ({len(mine)})", flush=True)
    return right, events, sizes


def _count_events(events: Counter[tuple[str, str]], variant: str, c: Case, final: Judgement) -> None:
    truth = c.labels["severity"]
    if truth == "major" and final.severity != "major" and not final.needs_review:
        events[(variant, "majors graded lower, unflagged")] += 1
    if truth != "major" and final.severity == "major":
        events[(variant, "minors/importants graded major")] += 1
    events[(variant, "flagged")] += bool(final.needs_review)


def report(right: Tally, events: Counter[tuple[str, str]], sizes: Counter[str]) -> list[str]:
    languages = sorted(sizes)
    total = sum(sizes.values())
    lines = []
    for reader, title in (("model", "the reading model alone"), ("final", "final decisions (rules + second_reading)")):
        lines.append(
            f"\n{title}: before -> after (n = " + ", ".join(f"{lang} {sizes[lang]}" for lang in languages) + ")"
        )
        lines.append(f"{'label':<10}" + "".join(f"{lang:>18}" for lang in languages) + f"{'all':>18}")
        for label in LABELS:
            row = f"{label:<10}"
            for lang in [*languages, "all"]:
                n = total if lang == "all" else sizes[lang]
                pick = languages if lang == "all" else [lang]
                before = sum(right[(reader, "before", label, x)] for x in pick)
                after = sum(right[(reader, "after", label, x)] for x in pick)
                row += f"{f'{before / n:.2f} -> {after / n:.2f} ({after - before:+d})':>18}"
            lines.append(row)
    lines.append("")
    for what in ("majors graded lower, unflagged", "minors/importants graded major", "flagged"):
        lines.append(f"{what}: {events[('before', what)]} -> {events[('after', what)]} of {total}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default=",".join(DEFAULT_SPLITS))
    parser.add_argument("--added", default="train2", help="the training split(s) left out of 'before'")
    args = parser.parse_args(argv)
    splits = [s for s in args.splits.split(",") if s]
    added = [s for s in args.added.split(",") if s]
    if set(splits) & set(SEALED) or set(splits) & set(added):
        parser.error("never read the sealed split or an added training split")
    right, events, sizes = measure(splits, added)
    print("\n".join(report(right, events, sizes)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
