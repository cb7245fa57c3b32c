"""When should the reading model's reading outrank the rules' (issue 9)? A search of simple policies.

    python -m bench.triage_policy [--splits holdout7,...,holdout16] [--all] [--doubt-as-unsure]

Each complaint of the splits is read leave-one-split-out, as `score --model on` reads it: the rules
alone (their value and margin per label, `Judgement.confidence`), the final decision as shipped
(rules + `second_reading`), and a reading model trained on every other split (not the sealed ones).
A policy per label: "the model's value replaces the final one when the model's p >= a and the rules'
margin < b" (severity: only upward, or both ways). The thresholds are chosen leave-one-split-out
over the splits (chosen on the others, scored on the one left out, rotated), so the gain printed is
the choice's own honest measure; "no policy" is one of the choices. `--all` also applies the
thresholds chosen on all the studied splits to every other non-sealed split (dev, holdout..holdout6).
Never reads the sealed splits (holdout17, holdout18).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace

from services.triage.domain.engine import SEVERITY_ORDER, History, judge
from services.triage.domain.reading_model import best, train
from services.triage.domain.rules import BUNDLED_RULES, Rules, load_rules_file
from services.triage.domain.second_reading import second_reading
from services.triage.score import Case, examples, load, predicted

SEALED = ("holdout17", "holdout18")
STUDIED = tuple(f"holdout{n}" for n in range(7, 17))
LABELS = ("area", "nature", "severity")
MARGIN_KEY = {"area": "category", "nature": "nature", "severity": "severity"}
PREFIXES = {"area": ("business area:", "category:"), "nature": ("nature:",), "severity": ("severity:",)}
P_AT = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
MARGIN_BELOW = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)
NONE = (2.0, 0.0)  # no policy: never taken


@dataclass(frozen=True)
class Row:
    """One complaint and label: what the rules said and how sure, what shipped, what the model reads."""

    case: Case
    label: str
    rules_value: str | None
    margin: float
    shipped: str | None
    model_value: str
    p: float
    valid: bool
    doubted: bool = False  # the rules wrote a doubt of their own on this label (a review reason)

    @property
    def truth(self) -> str | None:
        return self.case.labels[self.label]


def read(splits: Sequence[str]) -> list[Row]:
    everything = [c for c in load() if c.split not in SEALED]
    rules = Rules(1, load_rules_file(BUNDLED_RULES))
    rows = []
    for split in splits:
        model = train(examples([c for c in everything if c.split != split]))
        for c in everything:
            if c.split != split:
                continue
            alone = judge(c.form, "corpus", rules, History())
            final = second_reading(alone, c.form, "corpus", model, rules)
            before, after = predicted(alone), predicted(final)
            read_all = model.read_all(c.form)
            for label in LABELS:
                guess = best(read_all[label])
                margin = alone.confidence.get(MARGIN_KEY[label], 1.0)
                valid = final.validity == "valid" if label == "nature" else final.validity != "invalid"
                doubted = any(r.startswith(PREFIXES[label]) for r in alone.review)
                rows.append(
                    Row(c, label, before[label], margin, after[label], guess.value, guess.probability, valid, doubted)
                )
        print(f"  {split}: read", flush=True)
    return rows


def decide(row: Row, a: float, b: float, both_ways: bool = False) -> str | None:
    """The policy's value for one row: the model's where it is sure enough and the rules were not."""
    if not row.valid or row.p < a or row.margin >= b or row.model_value == row.shipped:
        return row.shipped
    higher = SEVERITY_ORDER.get(row.model_value, 0) > SEVERITY_ORDER.get(str(row.shipped), 0)
    if row.label == "severity" and not both_ways and not higher:
        return row.shipped
    return row.model_value


def right(rows: list[Row], a: float, b: float, both_ways: bool = False) -> int:
    return sum(decide(r, a, b, both_ways) == r.truth for r in rows)


def choose(rows: list[Row], both_ways: bool = False) -> tuple[float, float]:
    """The thresholds with the most right decisions; ties go to the fewest changes (sure p, low margin)."""
    grid = [NONE, *((a, b) for a in P_AT for b in MARGIN_BELOW)]
    base = right(rows, *NONE)
    scored = [(right(rows, a, b, both_ways), (a, b)) for a, b in grid]
    most = max(s for s, _ in scored)
    if most <= base:
        return NONE
    tied = [t for s, t in scored if s == most]
    return min(tied, key=lambda t: (-t[0], t[1]))


def table(title: str, rows: list[Row], chosen: dict[tuple[str, str], tuple[float, float]], both: bool) -> list[str]:
    """Accuracy before (as shipped) and after the policy, per label and language."""
    languages = sorted({r.case.language for r in rows})
    out = [title, f"  {'label':<9}" + "".join(f"{x:>22}" for x in [*languages, "all"])]
    for label in LABELS:
        line = f"  {label:<9}"
        for lang in [*languages, None]:
            subset = [r for r in rows if r.label == label and lang in (None, r.case.language)]
            before = sum(r.shipped == r.truth for r in subset)
            after = sum(decide(r, *chosen[(r.case.split, label)], both) == r.truth for r in subset)
            line += f"{before / len(subset):>8.3f} -> {after / len(subset):.3f} ({after - before:+d})"
        out.append(line)
    return out


def lower_majors(rows: list[Row], chosen: dict[tuple[str, str], tuple[float, float]], both: bool) -> list[str]:
    """Majors the policy grades lower than shipped (a flag would be owed to each)."""
    return [
        r.case.id
        for r in rows
        if r.label == "severity"
        and r.truth == "major"
        and r.shipped == "major"
        and decide(r, *chosen[(r.case.split, "severity")], both) != "major"
    ]


def headroom(rows: list[Row]) -> list[str]:
    """Where the model and the shipped decision differ: how often the model is the right one, by the
    rules' margin and the model's p (what any policy of this shape could win, and what it would lose)."""
    out = ["where the model reads otherwise than shipped: model right / shipped right / neither"]
    for label in LABELS:
        differ = [r for r in rows if r.label == label and r.valid and r.model_value != r.shipped]
        out.append(f"  {label}: {len(differ)} complaints")
        for low, high in ((0.0, 0.5), (0.5, 0.8), (0.8, 1.01)):
            for p_low in (0.0, 0.6, 0.8):
                cell = [r for r in differ if low <= r.margin < high and r.p >= p_low]
                won = sum(r.model_value == r.truth for r in cell)
                kept = sum(r.shipped == r.truth for r in cell)
                out.append(
                    f"    margin {low:.1f}-{min(high, 1.0):.1f}, p >= {p_low:.1f}: "
                    f"{won} / {kept} / {len(cell) - won - kept}"
                )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default=",".join(STUDIED))
    parser.add_argument("--all", action="store_true", help="also every other non-sealed split, thresholds fixed")
    parser.add_argument(
        "--doubt-as-unsure", action="store_true", help="a doubt the rules wrote on the label counts as margin 0"
    )
    args = parser.parse_args(argv)
    splits = [s for s in args.splits.split(",") if s and s not in SEALED]
    rows = read(splits)
    if args.doubt_as_unsure:  # a doubt the rules wrote counts as no margin at all
        rows = [replace(r, margin=0.0) if r.doubted else r for r in rows]
    print("\n".join(headroom(rows)))
    for both in (False, True):
        name = "severity both ways" if both else "severity only upward"
        chosen: dict[tuple[str, str], tuple[float, float]] = {}
        print(f"\n== {name}: thresholds (p >= a, margin < b) chosen without each split ==")
        for split in splits:
            picks = []
            for label in LABELS:
                others = [r for r in rows if r.label == label and r.case.split != split]
                chosen[(split, label)] = choose(others, both)
                picks.append(f"{label} {chosen[(split, label)]}")
            print(f"  {split}: " + ", ".join(picks))
        print(
            "\n".join(table(f"leave-one-split-out, {len(rows) // 3} complaints: shipped -> policy", rows, chosen, both))
        )
        print(f"  majors graded lower by the policy: {lower_majors(rows, chosen, both)}")
        whole = {label: choose([r for r in rows if r.label == label], both) for label in LABELS}
        print(f"  chosen on all {len(splits)} splits: {whole}")
        if args.all and not both:
            rest = [s for s in sorted({c.split for c in load()}) if s not in SEALED and s not in splits]
            others = read(rest)
            fixed = {(s, label): whole[label] for s in rest for label in LABELS}
            print("\n".join(table(f"other splits {rest}, thresholds fixed", others, fixed, both)))
            print(f"  majors graded lower by the policy: {lower_majors(others, fixed, both)}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    raise SystemExit(main())
