"""Every step a complaint goes through reads as a line on its timeline, not as its event's type name
(a walk through the desk showed `CauseRecorded`, `SolutionApproved`, `CaseClosed` ... as they are), and
no line repeats the step's free text: the cause, the solution's words and the promise may carry
personal data, and each is shown in its own place."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.projection.domain.view import Received, summary_of

SECRET = "Mr Chan of flat 12B"
STEPS = {
    "complaints.handling.HandOverRequested": {"to_department": "security", "reason": SECRET},
    "complaints.handling.HandOverAccepted": {"department": "security"},
    "complaints.handling.CauseRecorded": {"cause": SECRET, "responsible_person": SECRET},
    "complaints.handling.SolutionProposed": {"kind": "repair", "description": SECRET},
    "complaints.handling.SolutionApproved": {"note": SECRET},
    "complaints.handling.SolutionRejected": {"instructions": SECRET},
    "complaints.handling.SolutionCarriedOut": {"notes": SECRET},
    "complaints.handling.ProgressReported": {"message": SECRET},
    "complaints.handling.CommitmentMade": {"promise": SECRET, "due_at": "2026-12-01T10:00:00+00:00"},
    "complaints.handling.CaseReopened": {"reason": SECRET},
    "complaints.followup.ReturnVisitScheduled": {"due_at": "2026-12-01T10:00:00+00:00"},
    "complaints.followup.CaseClosed": {"cause": SECRET, "lessons": SECRET},
    "complaints.sla.DeadlineWarning": {"clock": "resolution", "fraction": 0.8, "deadline": "2026-12-01T10:00:00Z"},
    "complaints.sla.ExtensionRequested": {"clock": "resolution", "until": "2026-12-03T10:00:00Z", "reason": SECRET},
    "complaints.sla.RegradeRequested": {"severity": "major", "criterion": "major.unresolved-week"},
    "complaints.notifications.NotificationRequested": {"subject": SECRET, "severity": "major", "level": 1},
}


@pytest.mark.parametrize("event_type", sorted(STEPS))
def test_each_step_reads_as_a_line_without_its_free_text(event_type: str) -> None:
    data = {
        "type": event_type,
        "occurred_at": datetime(2026, 11, 30, tzinfo=UTC).isoformat(),
        "payload": STEPS[event_type],
    }
    line = summary_of(Received("e", event_type, datetime(2026, 11, 30, tzinfo=UTC), data, "d", "t"))
    assert line != event_type.rsplit(".", 1)[-1] and " " in line
    assert SECRET not in line


def _line(event_type: str, payload: dict[str, object]) -> str:
    at = datetime(2026, 11, 30, tzinfo=UTC)
    data = {"type": event_type, "occurred_at": at.isoformat(), "payload": payload}
    return summary_of(Received("e", event_type, at, data, "d", "t"))


def test_each_escalation_level_and_each_cycle_reads_differently() -> None:
    """Walking a breach up the ladder, the timeline read 'hand-over deadline breached' three times, and a
    reopened case's clocks read like the first cycle's: the level and the clock's key say which."""
    breached = "complaints.sla.DeadlineBreached"
    levels = {
        _line(breached, {"clock": "hand-over", "key": "hand-over#0", "deadline": "2026-11-30T01:00:00Z",
                         "escalation_level": level})
        for level in (1, 2, 3)
    }  # fmt: skip
    assert len(levels) == 3 and "hand-over#0 deadline breached (escalation level 2)" in levels
    started = "complaints.sla.ClockStarted"
    cycles = [
        _line(started, {"clock": "resolution", "key": key, "deadline": "2026-12-01T00:00:00Z"})
        for key in ("resolution#0", "resolution#1")
    ]
    assert cycles[0] != cycles[1] and cycles[1].startswith("resolution#1 clock started")
    assert _line(started, {"clock": "reply", "deadline": "2026-12-01T00:00:00Z"}).startswith("reply clock started")


def test_a_notification_before_triage_judged_the_complaint_names_no_grade() -> None:
    """The SLA's hand-over warning before triage's decision carries no severity: the timeline says the
    complaint is not graded yet, never 'None complaint' nor a grade nobody gave."""
    told = "complaints.notifications.NotificationRequested"
    assert _line(told, {"subject": SECRET, "severity": None, "level": 1}) == "complaint not graded yet: level 1 told"
    assert _line(told, {"subject": SECRET, "severity": "major", "level": 2}) == "major complaint: level 2 told"
