"""Signs that an office concealed or omitted complaints (DOMAIN.md: what the auditor needs).

- sequence-gap: numbers missing from an office's gapless registration sequence (after a grace time,
  since registrations travel on different partitions and may arrive out of order);
- hotline-unregistered / hotline-registered-late: the group hotline took a complaint about the
  office, and no registration of that office quotes the hotline reference (as its office reference,
  or as a whole word of its description or request: "HL-1" is not quoted by "HL-10") within the set
  time; the signal gives the call's age;
- late-registration: the complaint was received long after what it complains of happened;
- registered-late: intake heard of the complaint (`registered_at`, its own clock) longer after the time
  the office says it received it (`received_at`, the office's claim) than the record rule allows — the
  gap between the two clocks is itself a sign (DOMAIN.md: times come from people who can be wrong);
- outlier-office: an office's complaint rate (per million units served where known, else a count)
  far from its peers' on a robust z-score (median and MAD).
"""

from __future__ import annotations

import re
import statistics as stats
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from .policy import Policy, later
from .view import ComplaintView


@dataclass(frozen=True)
class HotlineReport:
    report_id: str
    office_id: str
    hotline_reference: str
    reported_at: datetime
    event_id: str


@dataclass(frozen=True)
class Signal:
    kind: str
    office_id: str
    detail: str
    since: datetime | None = None
    complaint_id: str | None = None
    reference: str | None = None
    evidence: tuple[str, ...] = ()
    age_hours: float | None = None  # how long the signalled fact has waited (a hotline call's age)
    # The detail's figures by name, so a reader writes the detail in its own language (the dashboard's
    # catalogues; `detail` stays the English sentence): see `SignalOut.values`.
    values: tuple[tuple[str, str | int | float], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "office_id": self.office_id,
            "detail": self.detail,
            "values": dict(self.values),
            "since": self.since.isoformat() if self.since else None,
            "complaint_id": self.complaint_id,
            "reference": self.reference,
            "evidence": list(self.evidence),
            "age_hours": self.age_hours,
        }


def sequence_gaps(views: Iterable[ComplaintView], now: datetime, policy: Policy) -> list[Signal]:
    by_office: dict[str, dict[int, ComplaintView]] = {}
    for view in views:
        if view.registered and view.sequence_number is not None:
            by_office.setdefault(view.office_id, {})[view.sequence_number] = view
    signals = []
    for office_id, numbered in sorted(by_office.items()):
        numbers = sorted(numbered)
        missing_from = 1
        for number in numbers:
            if number > missing_from and (found := gap_signal(office_id, missing_from, numbered[number], now, policy)):
                signals.append(found)
            missing_from = number + 1
    return signals


def gap_signal(office_id: str, missing_from: int, after: ComplaintView, now: datetime, policy: Policy) -> Signal | None:
    """The gap of numbers `missing_from` up to the one before `after`'s, once its grace time is over."""
    number = after.sequence_number
    assert after.registered_at is not None and number is not None
    if now - after.registered_at < policy.sequence_gap_grace:
        return None
    span = str(missing_from) if number - 1 == missing_from else f"{missing_from}-{number - 1}"
    return Signal(
        "sequence-gap",
        office_id,
        f"registration number(s) {span} missing before no. {number}",
        since=after.registered_at,
        reference=span,
        evidence=(str(after.complaint_id),),
        values=(("span", span), ("number", number)),
    )


# Characters that join the parts of one reference ("HL-2026/15"): a reference quoted in text ends where
# neither a letter or digit nor such a joiner followed by a letter or digit comes next, so "HL-1" is
# found in "call HL-1." and "ref:HL-1" but not in "HL-10", "HL-1/2", "A-HL-1" or "XHL-1".
_JOINERS = "-_./:"
_JOINERS_BEFORE = "-_./"  # "ref:HL-1" quotes HL-1


@lru_cache(maxsize=4096)
def _quoted(reference: str) -> re.Pattern[str]:
    # ASCII letters and digits only: Chinese text runs straight on ("熱線HL-1投訴") and still quotes it.
    before, after, alnum = f"[{re.escape(_JOINERS_BEFORE)}]", f"[{re.escape(_JOINERS)}]", "[A-Za-z0-9]"
    return re.compile(
        rf"(?<!{alnum})(?<!{alnum}{before}){re.escape(reference)}(?!{alnum})(?!{after}{alnum})", re.IGNORECASE
    )


# Characters that a case-blind match takes for an ASCII letter (`re.IGNORECASE`), as that letter.
_ASCII_LIKE = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_ASCII_RUN = re.compile(r"[A-Za-z0-9]+")


def quote_tokens(text: str | None) -> set[str]:
    """The runs of ASCII letters and digits of a text that hold a digit, lower-cased: a text quotes a
    reference only if it holds every such run of the reference (`quotes` asks for no letter or digit
    on either side of it), so the read side finds a hotline call's candidates by these, indexed."""
    runs = _ASCII_RUN.findall((text or "").translate(_ASCII_LIKE))
    return {run.lower() for run in runs if any(ch.isdigit() for ch in run)}


def quotes(view: ComplaintView, reference: str) -> bool:
    """Whether a registration quotes a hotline reference: exactly, as its own office reference, or as
    a whole word of its description or request (letter case aside). Never a part of another one."""
    if view.office_reference is not None and view.office_reference.casefold() == reference.casefold():
        return True
    pattern = _quoted(reference)
    return bool(pattern.search(view.description) or pattern.search(view.customer_request))


def _hours(span: timedelta) -> float:
    return round(span.total_seconds() / 3600, 1)


def _age_words(span: timedelta) -> str:
    days, hours = _days_hours(span)
    return f"{days} day(s) {hours} hour(s)" if days else f"{hours} hour(s)"


def _days_hours(span: timedelta) -> tuple[int, int]:
    days, hours = divmod(int(span.total_seconds() // 3600), 24)
    return days, hours


def _age_values(span: timedelta) -> tuple[tuple[str, int], ...]:
    """`_age_words`' figures: whole days and the hours beyond them."""
    days, hours = _days_hours(span)
    return (("days", days), ("hours", hours))


def hotline_signals(
    reports: Iterable[HotlineReport], views: Iterable[ComplaintView], now: datetime, policy: Policy
) -> list[Signal]:
    registered = [v for v in views if v.registered]
    signals = []
    for report in by_report_order(reports):
        matches = [v for v in registered if v.office_id == report.office_id and quotes(v, report.hotline_reference)]
        if found := hotline_signal(report, matches, now, policy):
            signals.append(found)
    return signals


def by_report_order(reports: Iterable[HotlineReport]) -> list[HotlineReport]:
    return sorted(reports, key=lambda r: (r.office_id, r.reported_at, r.hotline_reference))


def hotline_signal(
    report: HotlineReport, matches: Sequence[ComplaintView], now: datetime, policy: Policy
) -> Signal | None:
    """The signal of one hotline call, given the office's registrations that quote it (`matches`)."""
    due = later(report.reported_at, policy.hotline_registration_within)
    first = min((v.registered_at for v in matches if v.registered_at), default=None)
    if first is None:
        if now <= due:
            return None
        age = now - report.reported_at
        return Signal(
            "hotline-unregistered",
            report.office_id,
            f"hotline call {report.hotline_reference} of {report.reported_at.isoformat()} not registered "
            f"by the office; {_age_words(age)} old",
            since=due,
            reference=report.hotline_reference,
            evidence=(report.event_id,),
            age_hours=_hours(age),
            values=(("reported_at", report.reported_at.isoformat()), *_age_values(age)),
        )
    if first <= due:
        return None
    return Signal(
        "hotline-registered-late",
        report.office_id,
        f"hotline call {report.hotline_reference} registered only at {first.isoformat()}, "
        f"{_age_words(first - report.reported_at)} after the call",
        since=due,
        reference=report.hotline_reference,
        complaint_id=str(min(matches, key=lambda v: v.registered_at or first).complaint_id),
        evidence=(report.event_id,),
        age_hours=_hours(first - report.reported_at),
        values=(("registered_at", first.isoformat()), *_age_values(first - report.reported_at)),
    )


def late_registrations(views: Iterable[ComplaintView], policy: Policy) -> list[Signal]:
    signals = []
    for view in views:
        signals += _late_signals(view, policy)
    return sorted(signals, key=lambda s: (s.office_id, s.since or datetime.min, s.complaint_id or ""))


def registered_late(view: ComplaintView, policy: Policy) -> bool:
    """Whether the complaint gives a late-registration or registered-late signal (the read side keeps
    this beside its summary row, so the signal reads only the complaints that have one)."""
    return bool(_late_signals(view, policy))


def _late_signals(view: ComplaintView, policy: Policy) -> list[Signal]:
    signals = []
    if view.registered and view.incident_at and view.received_at:
        delay = view.received_at - view.incident_at
        if delay > policy.late_registration_after:
            signals.append(
                Signal(
                    "late-registration",
                    view.office_id,
                    f"received {delay.days} day(s) after it happened",
                    since=view.received_at,
                    complaint_id=str(view.complaint_id),
                    reference=view.office_reference,
                    values=(("days", delay.days),),
                )
            )
    if view.registered and view.received_at and view.registered_at:
        gap = view.registered_at - view.received_at
        if gap > policy.record_within:
            signals.append(
                Signal(
                    "registered-late",
                    view.office_id,
                    f"registered {_span(gap)} after the office says it received it",
                    since=view.registered_at,
                    complaint_id=str(view.complaint_id),
                    reference=view.office_reference,
                    values=_span_values(gap),
                )
            )
    return signals


def _span_values(gap: timedelta) -> tuple[tuple[str, int], ...]:
    """`_span`'s figures: whole days from a day on, else hours and minutes."""
    if gap >= timedelta(days=1):
        return (("days", gap.days),)
    seconds = int(gap.total_seconds())
    return (("hours", seconds // 3600), ("minutes", seconds % 3600 // 60))


def _span(gap: timedelta) -> str:
    if gap >= timedelta(days=1):
        return f"{gap.days} day(s)"
    return f"{int(gap.total_seconds() // 3600)} hour(s) {int(gap.total_seconds() % 3600 // 60)} minute(s)"


def robust_z(values: dict[str, float]) -> dict[str, float]:
    """0.6745 (x - median) / MAD; empty when there are too few peers or no spread."""
    if len(values) < 3:
        return {}
    median = stats.median(values.values())
    mad = stats.median(abs(v - median) for v in values.values())
    if mad == 0:
        return {}
    return {k: 0.6745 * (v - median) / mad for k, v in values.items()}


def outlier_offices(
    views: Iterable[ComplaintView], units: dict[str, int], offices: Iterable[str], policy: Policy
) -> list[Signal]:
    counts: dict[str, int] = {}
    for view in views:
        if view.registered:
            counts[view.office_id] = counts.get(view.office_id, 0) + 1
    return outliers_of_counts(counts, units, offices, policy)


def outliers_of_counts(
    registered: dict[str, int], units: dict[str, int], offices: Iterable[str], policy: Policy
) -> list[Signal]:
    """The outlier offices, given how many complaints each office registered (a grouped count)."""
    counts: dict[str, int] = dict.fromkeys(offices, 0)
    for office_id, n in registered.items():
        counts[office_id] = counts.get(office_id, 0) + n
    with_units = {o: n / units[o] * 1_000_000 for o, n in counts.items() if units.get(o)}
    rates, measure = (
        (with_units, "per-million-units")
        if len(with_units) >= 3
        else (
            {o: float(n) for o, n in counts.items()},
            "complaints",
        )
    )
    words = {"per-million-units": "complaints per million units", "complaints": "complaints"}
    signals = []
    for office_id, z in sorted(robust_z(rates).items()):
        if abs(z) > policy.outlier_z:
            direction = "below" if z < 0 else "above"
            signals.append(
                Signal(
                    "outlier-office",
                    office_id,
                    f"{rates[office_id]:.1f} {words[measure]}, far {direction} its peers (robust z {z:.1f})",
                    reference=f"z={z:.2f}",
                    values=(
                        ("rate", round(rates[office_id], 1)),
                        ("measure", measure),
                        ("direction", direction),
                        ("z", round(z, 1)),
                    ),
                )
            )
    return signals


def all_signals(
    views: list[ComplaintView],
    reports: list[HotlineReport],
    units: dict[str, int],
    offices: Iterable[str],
    now: datetime,
    policy: Policy,
) -> list[Signal]:
    return [
        *sequence_gaps(views, now, policy),
        *hotline_signals(reports, views, now, policy),
        *late_registrations(views, policy),
        *outlier_offices(views, units, offices, policy),
    ]
