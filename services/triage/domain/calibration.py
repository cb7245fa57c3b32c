"""What a label's confidence means once the reading model has read the complaint: the share of corpus
complaints read the same way whose label was right.

Why: the rules' own confidence is a margin of evidence weights (0.5 a tie), not a probability, and
flagging every label below 0.6 sent 45% of complaints to the supervisor with almost no errors among
them (56 validity flags, none wrong). Two readings that agree are rarely both wrong, and what predicts
an error is measurable: whether the reading model's likeliest value is the one decided, and the rules'
own margin (on the corpus, a business area the model reads otherwise with a rules' margin under 0.7
was wrong one time in three; one it reads the same, one time in thirty). So each label's confidence is
looked up in a table of those two signals — the model agrees or not, the rules' margin in bands —
whose cells are the accuracy measured leave-one-split-out on the labelled corpus
(`python -m services.triage.score --calibrate` measures and prints it; `[confidence.calibrated]` in the
rules holds it, versioned like every rule). Pure: no model, no I/O; the caller hands in the signals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.contracts.review import REVIEW_ASPECTS, ReviewAspect

# The labels that carry a confidence (the keys of `Judgement.confidence`).
LABELS: tuple[ReviewAspect, ...] = REVIEW_ASPECTS
DEFAULT_BANDS = (0.6, 0.7, 0.8, 0.9)  # of the rules' own confidence (their margin)
# How strongly an empty or small cell leans on the label's overall accuracy (observations' worth).
PRIOR_WEIGHT = 4.0


@dataclass(frozen=True)
class Observation:
    """One label of one corpus complaint: did the model's likeliest value agree with the decision, how
    sure the rules were (their margin), and was it right."""

    label: str
    agrees: bool
    rules_confidence: float
    right: bool


def band(confidence: float, bands: tuple[float, ...] = DEFAULT_BANDS) -> int:
    """The band of a confidence: 0 below the first edge, len(bands) at or above the last."""
    return sum(confidence >= edge for edge in bands)


@dataclass(frozen=True)
class Calibration:
    """label -> (row when the model reads another value, row when it agrees), one accuracy per band
    of the rules' margin."""

    bands: tuple[float, ...]
    table: Mapping[str, tuple[tuple[float, ...], tuple[float, ...]]]

    def confidence(self, label: str, agrees: bool, rules_confidence: float) -> float | None:
        rows = self.table.get(label)
        if rows is None:
            return None
        return rows[1 if agrees else 0][band(rules_confidence, self.bands)]

    @classmethod
    def from_rules(cls, data: Mapping[str, Any]) -> Calibration | None:
        """The table in `[confidence.calibrated]`, or None when the rules carry none (then the
        rules' margins stay the confidence, as without the model). A table of the wrong shape is a
        ValueError: rules that carry one are refused (`PUT /rules`, start-up), never met mid-stream."""
        confidence = data.get("confidence", {})
        section = confidence.get("calibrated")
        if not section:
            return None
        bands = tuple(float(b) for b in section.get("bands", DEFAULT_BANDS))
        if list(bands) != sorted(bands) or not all(0.0 <= b <= 1.0 for b in bands):
            raise ValueError("confidence.calibrated.bands: ascending numbers from 0 to 1")
        table = {}
        for label, rows in section.items():
            if label == "bands":
                continue
            shaped = (
                label in LABELS
                and isinstance(rows, list)
                and len(rows) == 2
                and all(isinstance(row, list) and len(row) == len(bands) + 1 for row in rows)
            )
            if not shaped:
                raise ValueError(
                    f"confidence.calibrated.{label}: a label of {LABELS}, with two rows of {len(bands) + 1} numbers"
                )
            sure, agreed = (tuple(float(v) for v in row) for row in rows)
            if not all(0.0 <= v <= 1.0 for v in sure + agreed):
                raise ValueError(f"confidence.calibrated.{label}: numbers from 0 to 1")
            table[label] = (sure, agreed)
        if not 0.0 <= float(confidence.get("flag_below", 0.0)) <= 1.0:
            raise ValueError("confidence.flag_below: a number from 0 to 1")
        return cls(bands, table)


def calibrate(
    observations: Iterable[Observation], bands: tuple[float, ...] = DEFAULT_BANDS, prior: float = PRIOR_WEIGHT
) -> Calibration:
    """Each cell's accuracy, pulled towards its label's overall accuracy by `prior` observations'
    worth, so a cell seen three times does not claim 1.00 (nor 0.33). Rounded to 3 places."""
    seen = list(observations)
    table: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {}
    for label in LABELS:
        mine = [o for o in seen if o.label == label]
        if not mine:
            continue
        overall = sum(o.right for o in mine) / len(mine)
        rows = []
        for agrees in (False, True):
            row = []
            for cell in range(len(bands) + 1):
                here = [o for o in mine if o.agrees == agrees and band(o.rules_confidence, bands) == cell]
                row.append(round((sum(o.right for o in here) + prior * overall) / (len(here) + prior), 3))
            rows.append(tuple(row))
        table[label] = (rows[0], rows[1])
    return Calibration(tuple(bands), table)


def as_toml(calibration: Calibration) -> str:
    """The `[confidence.calibrated]` section for the rules file."""
    lines = ["[confidence.calibrated]", f"bands = [{', '.join(str(b) for b in calibration.bands)}]"]
    for label, rows in calibration.table.items():
        lines.append(f"{label} = [{', '.join('[' + ', '.join(f'{v:.3f}' for v in row) + ']' for row in rows)}]")
    return "\n".join(lines)
