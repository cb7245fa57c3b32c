"""Any policy and calendar the API accepts gives computable clocks (issue 12).

A hand-over of 10^12 minutes, a one-minute-a-week calendar or a commitment in 7344 used to be accepted,
after which every clock of the complaint failed its arithmetic and was dead-lettered: the complaint was
silently not watched. Here hypothesis draws policies and calendars at and inside the limits the API
enforces (policy.py, calendar.py) and instants anywhere a contract allows, and every deadline, warning and
escalation instant the clocks compute must exist and lie after the start.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.sla.domain.calendar import MAX_HOLIDAYS, MIN_WEEKLY_HOURS, OfficeCalendar, WorkingHours, deadline, point
from services.sla.domain.policy import (
    MAX_ALLOWANCE_DAYS,
    MAX_ALLOWANCE_MINUTES,
    MAX_ESCALATION_FRACTION,
    MAX_EXTENSION_DAYS,
    Allowance,
    SlaPolicy,
)
from services.sla.domain.registers import PolicyBook
from shared.contracts.bounds import EARLIEST_INSTANT, LATEST_INSTANT

ZONES = ["UTC", "Asia/Hong_Kong", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/St_Johns", "Europe/London"]


@st.composite
def calendars(draw: st.DrawFn) -> OfficeCalendar:
    """Calendars the API accepts, biased to the meanest: few short working days, many holidays."""
    days = draw(st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True))
    hours = {}
    for day in days:
        start = draw(st.integers(0, 22 * 60))
        length = draw(st.integers(1, 24 * 60 - 1 - start))
        hours[day] = WorkingHours(start=_minute(start), end=_minute(start + length))
    week_hours = sum(_length(h) for h in hours.values()) / 60
    assume(week_hours >= MIN_WEEKLY_HOURS)
    day_hours = draw(st.floats(min_value=0.01, max_value=min(24.0, week_hours / 2)))
    first = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 1, 1)))
    holidays = [first + timedelta(days=n) for n in range(draw(st.integers(0, MAX_HOLIDAYS)))]
    calendar = OfficeCalendar(
        name="drawn", timezone=draw(st.sampled_from(ZONES)), hours=hours, working_day_hours=day_hours,
        holidays=holidays,
    )  # fmt: skip
    assert calendar.admission_problems() == []
    return calendar


def _minute(n: int) -> time:
    return time(n // 60, n % 60)


def _length(hours: WorkingHours) -> int:
    return (hours.end.hour * 60 + hours.end.minute) - (hours.start.hour * 60 + hours.start.minute)


# The meanest calendar the API accepts: one 8-hour working day a week, a policy day of 4 hours, and every
# allowed holiday on that weekday, starting just after the clock starts.
START = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # a Monday
MEANEST = OfficeCalendar(
    name="meanest", timezone="UTC", hours={0: WorkingHours(start=time(9), end=time(17))}, working_day_hours=4,
    holidays=[START.date() + timedelta(weeks=n) for n in range(1, MAX_HOLIDAYS + 1)],
)  # fmt: skip
MEANEST_LATER = MEANEST.model_copy(
    update={"holidays": [START.date() + timedelta(weeks=53 + n) for n in range(MAX_HOLIDAYS)]}  # after a year
)

allowances = st.one_of(
    st.builds(Allowance, unit=st.just("minutes"), amount=st.sampled_from([1, 10, MAX_ALLOWANCE_MINUTES])),
    st.builds(Allowance, unit=st.just("days"), amount=st.sampled_from([0.5, 15, MAX_ALLOWANCE_DAYS])),
    st.just(Allowance(unit="same-day")),
)
instants = st.datetimes(
    min_value=EARLIEST_INSTANT.replace(tzinfo=None) + timedelta(days=2),
    max_value=LATEST_INSTANT.replace(tzinfo=None) - timedelta(days=2),
    timezones=st.just(UTC),
)


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(calendar=st.one_of(st.none(), calendars()), allowance=allowances, start=instants)
@example(calendar=MEANEST, allowance=Allowance(unit="days", amount=MAX_ALLOWANCE_DAYS), start=START)
@example(calendar=MEANEST_LATER, allowance=Allowance(unit="minutes", amount=MAX_ALLOWANCE_MINUTES), start=START)
def test_every_accepted_policy_on_every_accepted_calendar_gives_computable_clocks(calendar, allowance, start) -> None:
    due = deadline(start, allowance, calendar, "Asia/Hong_Kong")
    last = point(start, max(due, start), MAX_ESCALATION_FRACTION, calendar)
    assert start <= due <= last


@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(calendar=st.one_of(st.none(), calendars()), start=instants, ahead=st.integers(1, MAX_EXTENSION_DAYS * 24 * 60))
@example(calendar=MEANEST_LATER, start=START, ahead=MAX_EXTENSION_DAYS * 24 * 60)
@example(calendar=MEANEST, start=START, ahead=MAX_EXTENSION_DAYS * 24 * 60)
def test_a_promise_or_an_extension_within_the_horizon_gives_computable_escalations(calendar, start, ahead) -> None:
    due = start + timedelta(minutes=ahead)  # a commitment's due_at or an extension's until
    assert point(start, due, MAX_ESCALATION_FRACTION, calendar) >= due


@pytest.mark.parametrize(
    "change",
    [
        {"hand_over": {"unit": "minutes", "amount": 10**12}},
        {"hand_over": {"unit": "minutes", "amount": 0}},
        {"resolution": {"minor": {"unit": "days", "amount": 1e300}}},
        {
            "escalation": [
                {"level": 1, "at_fraction": 1.0, "recipients": ["x"]},
                {"level": 2, "at_fraction": 1e9, "recipients": ["x"]},
            ]
        },
        {"regrade_after_days": 61},
    ],
)
def test_policies_outside_the_limits_cannot_be_adopted(change) -> None:
    assert SlaPolicy(**change).admission_problems()


@pytest.mark.parametrize(
    "change",
    [
        {"hand_over": {"unit": "minutes", "amount": float("nan")}},
        {"warnings": [float("inf")]},
        {"timezone": "Mars/Olympus_Mons"},
        {"extension_horizon_days": 10**6},
    ],
)
def test_policies_of_the_wrong_shape_cannot_even_be_read(change) -> None:
    with pytest.raises(ValidationError):
        SlaPolicy(**change)


def test_a_one_minute_a_week_calendar_cannot_be_set_with_the_reason() -> None:
    mean = OfficeCalendar(name="mean", hours={0: WorkingHours(start=time(9), end=time(9, 1))})
    assert [path for path, _ in mean.admission_problems()] == [("hours",)]
    assert "a calendar must leave at least 16" in str(mean.admission_problems()[0][1])


def test_the_default_policy_and_a_working_week_can_be_adopted() -> None:
    assert SlaPolicy().admission_problems() == []
    week = dict.fromkeys(range(5), WorkingHours(start=time(9), end=time(18)))
    assert OfficeCalendar(name="weekdays", hours=week, timezone="Asia/Hong_Kong").admission_problems() == []
    assert datetime(2026, 1, 1, tzinfo=UTC) < LATEST_INSTANT


def test_a_policy_stored_before_its_zone_was_checked_does_not_stop_the_clocks() -> None:
    book = PolicyBook.with_default(START)
    book.versions.append(SlaPolicy().model_dump(mode="json") | {"version": 2, "timezone": "Mars/Olympus_Mons"})

    assert book.current.version == 1  # the newest readable version applies
    assert book.current.timezone == "Asia/Hong_Kong"
